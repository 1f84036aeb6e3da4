// parse_mountinfo against real /proc/self/mountinfo captures and malformed lines.
#include "catch.h"

#include <algorithm>

#include "fixture.h"
#include "ocfkit/parse/mountinfo.h"
#include "parse_error_line.h"

using namespace ocfkit::parse;
using ocfkit::test::read_fixture;

namespace {

const MountEntry* at(const std::vector<MountEntry>& entries, std::string_view mount_point)
{
    const MountEntry* found = nullptr;
    for (const auto& e : entries) {
        if (e.mount_point == mount_point) found = &e;  // the last one is the visible one
    }
    return found;
}

std::size_t error_line(std::string_view text) { return ocfkit::test::parse_error_line(parse_mountinfo, text); }

}  // namespace

TEST_CASE("every mountinfo fixture parses as its manifest says", "[mountinfo]")
{
    std::size_t seen = ocfkit::test::for_each_fixture("mountinfo", [](const std::string& name, const std::string& text, const std::string& expect) {
        INFO(name << " expected " << expect);
        auto expectation = ocfkit::test::parse_expectation(expect);
        if (!expectation.ok) {
            std::size_t line = error_line(text);
            if (expectation.line) CHECK(line == expectation.line);
            return;
        }
        std::vector<MountEntry> entries;
        REQUIRE_NOTHROW(entries = parse_mountinfo(text));
        auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        CHECK(entries.size() == lines);
        CHECK(at(entries, "/") != nullptr);
        for (const auto& e : entries) {
            CHECK(e.mount_id > 0);
            CHECK(!e.fstype.empty());
            CHECK(e.mount_point.front() == '/');
        }
    });
    CHECK(seen >= 3);
}

TEST_CASE("GFS2 mount in the VM cluster capture", "[mountinfo]")
{
    auto entries = parse_mountinfo(read_fixture("mountinfo/vm-two-node-steady.txt"));
    REQUIRE(entries.size() == 26);
    const MountEntry* gfs = at(entries, "/mnt/gfs");
    REQUIRE(gfs);
    CHECK(gfs->mount_id == 213);
    CHECK(gfs->parent_id == 24);
    CHECK(gfs->major == 253);
    CHECK(gfs->minor == 0);
    CHECK(gfs->root == "/");
    CHECK(gfs->fstype == "gfs2");
    CHECK(gfs->source == "/dev/mapper/vgcl-lvgfs");
    CHECK(gfs->mount_options == "rw,noatime");
    CHECK(gfs->super_options == "rw,rgrplvb");
    CHECK(gfs->optional_fields == std::vector<std::string>{"shared:108"});
    CHECK_FALSE(gfs->read_only());
    CHECK(gfs->has_option("noatime"));
    CHECK(gfs->has_option("rgrplvb"));
    CHECK_FALSE(gfs->has_option("atime"));

    const MountEntry* creds = at(entries, "/run/credentials/systemd-sysusers.service");
    REQUIRE(creds);
    CHECK(creds->read_only());  // per-mount ro over a rw superblock

    auto after = parse_mountinfo(read_fixture("mountinfo/vm-node-after-fence-reboot.txt"));
    CHECK(at(after, "/mnt/gfs") == nullptr);
    CHECK(after.size() == 25);
}

TEST_CASE("loop mounts, escapes, read-only, bind and propagation made on this host", "[mountinfo]")
{
    auto entries = parse_mountinfo(read_fixture("mountinfo/host-loop-mounts.txt"));
    REQUIRE(entries.size() == 27);
    const std::string base = "/mnt/ocfkit-capture";

    const MountEntry* ext4 = at(entries, base + "/ext4 data");  // written as ext4\040data
    REQUIRE(ext4);
    CHECK(ext4->fstype == "ext4");
    CHECK(ext4->source == "/dev/loop0");
    CHECK(ext4->major == 7);
    CHECK(ext4->minor == 0);
    CHECK(ext4->root == "/");
    CHECK(ext4->has_option("noatime"));
    CHECK_FALSE(ext4->read_only());
    CHECK(ext4->optional_fields.empty());

    const MountEntry* xfs = at(entries, base + "/xfs-ro");
    REQUIRE(xfs);
    CHECK(xfs->fstype == "xfs");
    CHECK(xfs->source == "/dev/loop1");
    CHECK(xfs->minor == 1);
    CHECK(xfs->read_only());
    CHECK(xfs->has_option("logbufs=8"));

    // Bind mounts of subdirectories: the same device, root names the subdirectory.
    const MountEntry* bind = at(entries, base + "/bind");
    REQUIRE(bind);
    CHECK(bind->root == "/export");
    CHECK(bind->source == "/dev/loop0");
    CHECK_FALSE(bind->read_only());
    const MountEntry* bind_ro = at(entries, base + "/bind-ro");
    REQUIRE(bind_ro);
    CHECK(bind_ro->root == "/export/sub dir");
    CHECK(bind_ro->mount_options == "ro,noatime");
    CHECK(bind_ro->super_options == "rw");
    CHECK(bind_ro->read_only());  // ro per mount, the superblock stays rw

    const MountEntry* tab = at(entries, base + "/tab\tand\\backslash");
    REQUIRE(tab);
    CHECK(tab->source == "tmpfs-tab");

    const MountEntry* shared = at(entries, base + "/shared");
    const MountEntry* slave = at(entries, base + "/slave");
    REQUIRE(shared);
    REQUIRE(slave);
    CHECK(shared->optional_fields == std::vector<std::string>{"shared:1"});
    CHECK(slave->optional_fields == std::vector<std::string>{"master:1"});
    CHECK(slave->parent_id == at(entries, base)->mount_id);
}

TEST_CASE("unescape_mount_field", "[mountinfo]")
{
    CHECK(unescape_mount_field("/mnt/with\\040space") == "/mnt/with space");
    CHECK(unescape_mount_field("a\\011b\\012c\\134d") == "a\tb\nc\\d");
    CHECK(unescape_mount_field("plain") == "plain");
    // Not an escape the kernel writes: kept literally.
    CHECK(unescape_mount_field("x\\9") == "x\\9");
    CHECK(unescape_mount_field("x\\04") == "x\\04");
    CHECK(unescape_mount_field("x\\400") == "x\\400");
    CHECK(unescape_mount_field("trailing\\") == "trailing\\");
}

TEST_CASE("mountinfo edge cases the kernel can produce", "[mountinfo]")
{
    // No optional fields, an empty source (mount -t tmpfs "" /x), a fuse subtype.
    auto entries = parse_mountinfo("40 27 0:50 / /x rw,relatime - tmpfs  rw\n"
                                   "41 27 0:51 /sub /y ro shared:3 master:1 propagate_from:2 unbindable - fuse.sshfs u@h:/ ro,user_id=0\n");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].source.empty());
    CHECK(entries[0].optional_fields.empty());
    CHECK(entries[1].root == "/sub");
    CHECK(entries[1].fstype == "fuse.sshfs");
    CHECK(entries[1].optional_fields.size() == 4);
    CHECK(entries[1].read_only());
    // No trailing newline, blank lines tolerated.
    CHECK(parse_mountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw").size() == 1);
    CHECK(parse_mountinfo("\n1 0 8:1 / / rw - ext4 /dev/sda1 rw\n\n").size() == 1);
    CHECK(parse_mountinfo("").empty());
}

TEST_CASE("malformed mountinfo names the line", "[mountinfo]")
{
    const std::string good = "24 1 254:0 / / rw,noatime shared:1 - ext4 /dev/vda rw,errors=remount-ro\n";
    // Truncated line (a read cut short) on line 3.
    CHECK(error_line(good + good + "25 24 0:6 / /sys/kernel/security rw,nosuid shared:7 - securi") == 3);
    CHECK(error_line(good + "25 24 0:6 / /sys\n") == 2);
    // Bad numbers.
    CHECK(error_line("x24 1 254:0 / / rw - ext4 /dev/vda rw\n") == 1);
    CHECK(error_line(good + "24 -1 254:0 / / rw - ext4 /dev/vda rw\n") == 2);
    CHECK(error_line(good + good + "24 1 2540 / / rw - ext4 /dev/vda rw\n") == 3);
    CHECK(error_line("24 1 254:x / / rw - ext4 /dev/vda rw\n") == 1);
    CHECK(error_line("24 1 :0 / / rw - ext4 /dev/vda rw\n") == 1);
    CHECK(error_line("99999999999 1 254:0 / / rw - ext4 /dev/vda rw\n") == 1);
    CHECK(error_line("24 1 4294967296:0 / / rw - ext4 /dev/vda rw\n") == 1);
    // No separator, too many or too few fields after it, empty fields.
    CHECK(error_line(good + "24 1 254:0 / / rw shared:1 ext4 /dev/vda rw x\n") == 2);
    CHECK(error_line("24 1 254:0 / / rw shared:1 - ext4 /dev/vda rw extra\n") == 1);
    CHECK(error_line("24 1 254:0 / / rw shared:1 shared:2 - ext4 /dev/vda\n") == 1);
    CHECK(error_line("24 1 254:0 / / rw  - ext4 /dev/vda rw\n") == 1);
    CHECK(error_line("24 1 254:0  / rw - ext4 /dev/vda rw x\n") == 1);
    CHECK(error_line("24 1 254:0 / / rw - ext4 /dev/vda rw\n24 1 254:0 / / rw -  /dev/vda rw\n") == 2);

    try {
        parse_mountinfo(good + "garbage\n");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(std::string(e.what()).rfind("line 2: ", 0) == 0);
    }
}
