// validate-all of the clvm executable against the real lvmconfig reading crafted lvm.conf files
// (LVM_SYSTEM_DIR), with drbdadm/vgs from the fakes: each pitfall gets its own exit reason.
#include "catch.h"

#include <filesystem>
#include <fstream>

#include "fake_host.h"
#include "validate_host.h"

namespace fs = std::filesystem;

namespace {

using Host = clvm_test::ValidateHost;

}  // namespace

TEST_CASE("lvmlockd: a correct configuration validates", "[clvm-config]")
{
    Host h;
    auto r = h.validate("lvmlockd-good");
    INFO(r.err);
    CHECK(r.rc == 0);
    CHECK(h.calls("drbdadm") == std::vector<std::string>{"drbdadm dump-xml"});
    CHECK(h.calls("vgs").size() == 1);
}

TEST_CASE("lvmlockd pitfalls, each with its own reason", "[clvm-config]")
{
    Host h;
    struct Case {
        const char* conf;
        const char* manager;
        const char* reason;
    };
    for (const Case& c : {
             Case{"lvmlockd-no-use", "lvmlockd", "global/use_lvmlockd is 0"},
             Case{"defaults", "lvmlockd", "global/use_lvmlockd is 0"},
             Case{"lvmlockd-locking-type-3", "lvmlockd", "locking_type=3 (clvmd) conflicts with lvmlockd"},
             Case{"filter-accepts-backing", "auto", "backing disk /dev/vdb"},
             Case{"filter-rejects-drbd", "auto", "global_filter rejects the DRBD device /dev/drbd0"},
             Case{"filter-bad-pattern", "auto", "devices/global_filter pattern 1"},
         }) {
        INFO(c.conf);
        auto r = h.validate(c.conf, {{"OCF_RESKEY_lock_manager", c.manager}});
        CHECK(r.rc == 5);  // this node's lvm.conf: 6 would stop the clone everywhere (issue 18 #10)
        CHECK_THAT(r.reason, Catch::Contains(c.reason));
    }
}

TEST_CASE("clvmd pitfalls, each with its own reason", "[clvm-config]")
{
    Host h;
    std::map<std::string, std::string> clvmd{{"OCF_RESKEY_lock_manager", "clvmd"}};
    auto good = h.validate("clvmd-good", clvmd);
    INFO(good.err);
    CHECK(good.rc == 0);
    auto defaults = h.validate("clvmd-defaults", clvmd);
    CHECK(defaults.rc == 5);
    CHECK_THAT(defaults.reason, Catch::Contains("fallback_to_local_locking is 1"));
    // the other problems are logged too
    CHECK_THAT(defaults.err, Catch::Contains("write_cache_state is 1"));
    auto lockd = h.validate("lvmlockd-good", clvmd);
    CHECK(lockd.rc == 5);
    CHECK_THAT(lockd.reason, Catch::Contains("locking_type is 1, clvmd needs locking_type=3"));
    CHECK_THAT(lockd.err, Catch::Contains("use_lvmlockd=1 conflicts with clvmd"));
}

TEST_CASE("auto picks the manager lvm.conf enables", "[clvm-config]")
{
    Host h;
    h.set("HA_DEBUG", "1");
    auto lockd = h.validate("lvmlockd-good");
    CHECK(lockd.rc == 0);
    CHECK_THAT(lockd.err, Catch::Contains("lock manager: lvmlockd"));
    auto clvmd = h.validate("clvmd-good");
    INFO(clvmd.err);
    CHECK(clvmd.rc == 0);
    CHECK_THAT(clvmd.err, Catch::Contains("lock manager: clvmd"));
}

TEST_CASE("a backing disk reachable through an alias is caught", "[clvm-config]")
{
    Host h;
    // /dev/vdb exists under the fake /dev with a udev-style by-id link to it
    std::ofstream(h.path("dev/vdb")).flush();
    fs::create_directories(h.path("dev/disk/by-id"));
    fs::create_symlink("../../vdb", h.path("dev/disk/by-id/virtio-backing"));
    auto r = h.validate("filter-alias-leak");
    CHECK(r.rc == 5);
    CHECK_THAT(r.reason, Catch::Contains("/dev/disk/by-id/virtio-backing") && Catch::Contains("sees its PV twice"));
    fs::remove(h.path("dev/disk/by-id/virtio-backing"));
    CHECK(h.validate("filter-alias-leak").rc == 0);
}

TEST_CASE("VG lock types and visibility", "[clvm-config]")
{
    Host h;
    SECTION("not shared")
    {
        h.knob("lvm.metadata", "vgcl U1 none lvgfs L1\n");
        auto r = h.validate("lvmlockd-good");
        CHECK(r.rc == 6);
        CHECK_THAT(r.reason, Catch::Contains("vgcl has no lock type") && Catch::Contains("--lock-type dlm"));
        CHECK_THAT(r.reason_line, Catch::EndsWith("make it shared with 'vgchange --lock-type dlm vgcl'"));
    }
    SECTION("sanlock")
    {
        h.knob("lvm.metadata", "vgcl U1 sanlock lvgfs L1\n");
        auto r = h.validate("lvmlockd-good");
        CHECK(r.rc == 6);
        CHECK_THAT(r.reason, Catch::Contains("lock type sanlock"));
    }
    SECTION("not visible here")
    {
        h.param("volgrpname", "vgcl vgmissing");
        auto r = h.validate("lvmlockd-good");
        CHECK(r.rc == 5);
        CHECK_THAT(r.reason, Catch::Contains("vgmissing is not visible on this node"));
    }
    SECTION("another DLM cluster's VG")
    {
        h.knob("dlm.cluster-name", "othercl");
        auto r = h.validate("lvmlockd-good");
        CHECK(r.rc == 5);  // this node's DLM cluster name is local configuration
        CHECK_THAT(r.reason, Catch::Contains("DLM cluster 'othercl'") && Catch::Contains("'hacl'"));
    }
    SECTION("bad parameter values")
    {
        CHECK(h.validate("lvmlockd-good", {{"OCF_RESKEY_volgrpname", "vg;rm"}}).rc == 6);
        CHECK(h.validate("lvmlockd-good", {{"OCF_RESKEY_volgrpname", "-vg"}}).rc == 6);
        CHECK(h.validate("lvmlockd-good", {{"OCF_RESKEY_lock_manager", "sanlock"}}).rc == 6);
        auto cm = h.validate("lvmlockd-good", {{"OCF_RESKEY_with_cmirrord", "true"}});
        CHECK(cm.rc == 5);  // auto chose lvmlockd from this node's lvm.conf
        CHECK_THAT(cm.reason, Catch::Contains("with_cmirrord"));
        CHECK(h.validate("lvmlockd-good", {{"OCF_RESKEY_with_cmirrord", "true"}, {"OCF_RESKEY_lock_manager", "lvmlockd"}})
                  .rc == 6);  // both parameters: wrong on every node
    }
}

TEST_CASE("without drbdadm the filter check is skipped, not failed", "[clvm-config]")
{
    Host h;
    // a PATH with the fakes but no drbdadm: a copy of the fake directory without it
    std::string bin = h.path("bin");
    fs::create_directories(bin);
    std::string fakes = dlmlvm_test::env_or("OCFKIT_SOURCE_ROOT", ".") + "/tests/fake-tools/dlmlvm";
    for (auto& e : fs::directory_iterator(fakes))
        if (e.path().filename() != "drbdadm") fs::create_symlink(e.path(), bin + "/" + e.path().filename().string());
    h.set("PATH", bin + ":/usr/sbin:/usr/bin:/sbin:/bin");
    if (fs::exists("/usr/sbin/drbdadm") || fs::exists("/sbin/drbdadm")) {
        // the real drbdadm would answer here; it has no resources on this host, which is skipped too
        auto r = h.validate("filter-accepts-backing");
        CHECK(r.rc == 0);
    } else {
        auto r = h.validate("filter-accepts-backing");
        CHECK(r.rc == 0);
        CHECK_THAT(r.err, Catch::Contains("drbdadm is not installed"));
    }
    h.param("check_device_filter", "false");
    CHECK(h.validate("filter-accepts-backing").rc == 0);
}
