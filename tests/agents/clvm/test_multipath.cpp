// Multipath maps read from a sysfs tree laid out as the kernel does (dm/uuid, dm/name, slaves/,
// partitions with a 'partition' file), and validate-all's filter check on them with the real
// lvmconfig reading crafted lvm.conf files.
#include "catch.h"

#include <filesystem>
#include <fstream>

#include "fake_host.h"
#include "multipath.h"
#include "validate_host.h"

namespace fs = std::filesystem;

namespace {


void write(const std::string& path, const std::string& text)
{
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

void link(const std::string& target, const std::string& at)
{
    fs::create_directories(fs::path(at).parent_path());
    fs::create_symlink(target, at);
}

// One LUN seen through two iSCSI sessions (sdb, sdc), joined by multipathd as mpatha (dm-2),
// an LVM LV on top (dm-3) and a plain disk (sda) with a partition; /dev as udev names them.
void san_node(const std::string& root, bool partitioned = false)
{
    const std::string sys = root + "/sys/block/";
    write(sys + "sda/dev", "8:0\n");
    write(sys + "sda/sda1/partition", "1\n");
    for (const char* p : {"sdb", "sdc"}) {
        write(sys + p + "/dev", "8:16\n");
        if (partitioned) write(sys + p + "/" + p + "1/partition", "1\n");
        link(std::string("../../") + p, sys + "dm-2/slaves/" + p);
    }
    write(sys + "dm-2/dm/uuid", "mpath-36001405a3e0e4f7c0a14a6d9d1b2c3d4\n");
    write(sys + "dm-2/dm/name", "mpatha\n");
    write(sys + "dm-3/dm/uuid", "LVM-AbCdEfGhIjKlMnOpQrStUvWxYz012345AbCdEfGhIjKlMnOpQrStUvWxYz012345\n");
    write(sys + "dm-3/dm/name", "vgcl-lvgfs\n");
    link("../../dm-2", sys + "dm-3/slaves/dm-2");
    const std::string dev = root + "/dev/";
    for (const char* d : {"sda", "sda1", "sdb", "sdc", "dm-2", "dm-3"}) write(dev + d, "");
    link("../dm-2", dev + "mapper/mpatha");
    link("../../dm-2", dev + "disk/by-id/dm-uuid-mpath-36001405a3e0e4f7c0a14a6d9d1b2c3d4");
    link("../../sdb", dev + "disk/by-path/ip-192.168.121.10:3260-iscsi-iqn.2024-01.test.ocfkit:san-lun-0");
    link("../../sdc", dev + "disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2024-01.test.ocfkit:san-lun-0");
}

struct Host : clvm_test::ValidateHost {
    Host() { san_node(root()); }
};

}  // namespace

TEST_CASE("multipath maps and their paths from sysfs", "[clvm-multipath]")
{
    Host h;
    SECTION("whole LUN")
    {
        auto maps = ocfkit::clvm::multipath_maps(h.path("sys"));
        REQUIRE(maps.size() == 1);  // not the LV (dm-3), not the plain disk
        CHECK(maps[0].dm == "dm-2");
        CHECK(maps[0].name == "mpatha");
        CHECK(maps[0].uuid == "mpath-36001405a3e0e4f7c0a14a6d9d1b2c3d4");
        CHECK(maps[0].paths == std::vector<std::string>{"sdb", "sdc"});
    }
    SECTION("a partition table shows on every path")
    {
        write(h.path("sys/block/sdb/sdb1/partition"), "1\n");
        write(h.path("sys/block/sdc/sdc1/partition"), "1\n");
        write(h.path("sys/block/sdc/sdc1/holders/.keep"), "");  // not a partition of its own
        auto maps = ocfkit::clvm::multipath_maps(h.path("sys"));
        REQUIRE(maps.size() == 1);
        CHECK(maps[0].paths == std::vector<std::string>{"sdb", "sdb1", "sdc", "sdc1"});
    }
    SECTION("no device-mapper at all")
    {
        CHECK(ocfkit::clvm::multipath_maps(h.path("nonexistent")).empty());
    }
}

TEST_CASE("the filter accepts the multipath map and rejects its paths", "[clvm-multipath]")
{
    Host h;
    auto r = h.validate("multipath-good");
    INFO(r.err);
    CHECK(r.rc == 0);
}

TEST_CASE("multipath paths LVM would use, each named with the pattern that accepts it", "[clvm-multipath]")
{
    Host h;
    SECTION("nothing rejects them")
    {
        auto r = h.validate("multipath-accepts-paths");
        CHECK(r.rc == 5);  // this node's lvm.conf
        CHECK_THAT(r.reason, Catch::Contains("nor devices/filter rejects /dev/sdb, /dev/sdc;") &&
                                 Catch::Contains("devices/global_filter accepts \"a|.*|\"") &&
                                 Catch::Contains("\"r|^/dev/sdb$|\", \"r|^/dev/sdc$|\""));
        // What the cluster shows names the map, the risk and the fix.
        CHECK_THAT(r.reason_line, Catch::StartsWith("LVM filters accept the paths of multipath device "
                                                    "/dev/mapper/mpatha, so LVM may bypass its failover: reject "
                                                    "them"));
    }
    SECTION("rejected by kernel name, accepted through udev's by-path alias")
    {
        auto r = h.validate("multipath-path-alias-leak");
        CHECK(r.rc == 5);
        CHECK_THAT(r.reason, Catch::Contains("/dev/disk/by-path/ip-192.168.121.10:3260-iscsi"));
        fs::remove_all(h.path("dev/disk/by-path"));
        auto ok = h.validate("multipath-path-alias-leak");
        INFO(ok.err);
        CHECK(ok.rc == 0);
    }
    SECTION("the map itself rejected, its paths accepted")
    {
        // a|.*| would accept the map through its by-id alias, as LVM does
        fs::remove_all(h.path("dev/disk/by-id"));
        auto r = h.validate("multipath-rejects-map");
        CHECK(r.rc == 5);
        CHECK_THAT(r.reason, Catch::Contains("multipath device /dev/mapper/mpatha,") &&
                                 Catch::Contains("; the map itself is rejected, devices/filter: \"r|^/dev/mapper/|\" "
                                                 "matches /dev/mapper/mpatha; "));
    }
    SECTION("partitions of the paths")
    {
        write(h.path("sys/block/sdb/sdb1/partition"), "1\n");
        write(h.path("dev/sdb1"), "");
        auto r = h.validate("multipath-accepts-paths");
        CHECK(r.rc == 5);
        CHECK_THAT(r.reason, Catch::Contains("rejects /dev/sdb, /dev/sdb1, /dev/sdc;"));
    }
    SECTION("check_device_filter=false skips it")
    {
        CHECK(h.validate("multipath-accepts-paths", {{"OCF_RESKEY_check_device_filter", "false"}}).rc == 0);
    }
}

TEST_CASE("a map hidden with its paths is named when the VG is not visible", "[clvm-multipath]")
{
    Host h;
    // the DRBD lab's filter: only /dev/drbd*, so the SAN LUN is invisible to LVM
    auto r = h.validate("lvmlockd-good");
    INFO(r.err);
    CHECK(r.rc == 0);  // a VG that is visible (the fake's vgcl) needs nothing from the map
    h.param("volgrpname", "vgsan");
    r = h.validate("lvmlockd-good");
    CHECK(r.rc == 5);
    CHECK_THAT(r.reason, Catch::Contains("vgsan is not visible on this node") &&
                             Catch::Contains("the LVM device filter hides multipath device /dev/mapper/mpatha "
                                             "(devices/global_filter: \"r|.*|\" matches"));
}
