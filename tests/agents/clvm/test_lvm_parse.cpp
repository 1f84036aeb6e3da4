// lvmconfig / lvmlockctl -i / drbdadm dump-xml parsers, LVM's filter rule and the pure clvm
// verdicts, against real captures and lvmconfig output of this host (tests/data/lvm-config).
#include "catch.h"

#include <chrono>
#include <stdexcept>

#include "clvm_agent.h"
#include "fixture.h"
#include "lvm_text_parse.h"

using namespace ocfkit;
using namespace ocfkit::lvm;

namespace {

std::string data(const std::string& rel) { return test::read_fixture("lvm-config/" + rel); }

LvmConfig config(const std::string& name) { return parse_lvmconfig(data("lvmconfig-" + name + ".txt"), clvm::config_keys()); }

}  // namespace

TEST_CASE("lvmconfig: captured cluster settings", "[lvm-parse]")
{
    auto dev = parse_lvmconfig(data("lvmconfig-devices.txt"), {"devices/filter", "devices/global_filter"});
    REQUIRE(dev.count("devices/global_filter"));
    CHECK(dev.at("devices/global_filter").kind == ConfigValue::Kind::List);
    CHECK(dev.at("devices/global_filter").items == std::vector<std::string>{"a|^/dev/drbd|", "r|.*|"});
    CHECK(dev.at("devices/filter").strings() == std::vector<std::string>{"a|.*|"});
    auto lk = parse_lvmconfig(data("lvmconfig-use_lvmlockd.txt"), {"global/use_lvmlockd"});
    CHECK(lk.at("global/use_lvmlockd").number() == 1);
}

TEST_CASE("lvmconfig: this host's lvm2 2.03.16 on crafted configurations", "[lvm-parse]")
{
    auto good = config("lvmlockd-good");
    CHECK(good.size() == clvm::config_keys().size());
    CHECK(good.at("global/use_lvmlockd").number() == 1);
    CHECK(good.at("devices/write_cache_state").number() == 1);
    auto str = config("filter-string");
    CHECK(str.at("devices/filter").kind == ConfigValue::Kind::String);
    CHECK(str.at("devices/filter").strings() == std::vector<std::string>{"r|/dev/vd.*|"});
    auto clvmd = config("clvmd-good");
    CHECK(clvmd.at("global/locking_type").number() == 3);
    CHECK(clvmd.at("global/fallback_to_local_locking").number() == 0);
    // a whole section, as `lvmconfig devices` prints it
    auto section = parse_lvmconfig(data("lvmconfig-section-devices.txt"));
    CHECK(section.at("devices/dir").text == "/dev");
    CHECK(section.at("devices/global_filter").items.size() == 2);
    CHECK(section.at("devices/scan").items == std::vector<std::string>{"/dev"});
}

TEST_CASE("lvmconfig: values and errors", "[lvm-parse]")
{
    auto c = parse_lvmconfig("a=-1\nb=\"x \\\"y\\\"\"\nc=[1, 2]\nd=[]\ne=0.5\n");
    CHECK(c.at("a").number() == -1);
    CHECK(c.at("b").text == "x \"y\"");
    CHECK(c.at("c").items == std::vector<std::string>{"1", "2"});
    CHECK(c.at("d").items.empty());
    CHECK(c.at("e").kind == ConfigValue::Kind::Number);
    CHECK_FALSE(c.at("e").number().has_value());  // not an integer
    for (const char* bad : {"x", "x=", "x=[\"a\"", "x=\"open", "x=[\"a\" \"b\"]", "x=yes", "}", "s {\nx=1\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_lvmconfig(bad), parse::ParseError);
    }
    try {
        parse_lvmconfig("a=1\nb=2\nc=oops\n");
        FAIL("no error");
    } catch (const parse::ParseError& e) {
        CHECK(e.line == 3);
    }
}

TEST_CASE("lvmlockctl -i: captured steady state", "[lvm-parse]")
{
    auto info = parse_lvmlockctl_info(data("lvmlockctl-info.txt"));
    REQUIRE(info.lockspaces.size() == 2);
    CHECK(info.lockspaces[0].global());
    CHECK(info.lockspaces[0].vg_name.empty());
    CHECK(info.lockspaces[0].locks.size() == 2);
    const LockspaceInfo* vg = info.vg("vgcl");
    REQUIRE(vg);
    CHECK(vg->lock_type == "dlm");
    CHECK(vg->vg_uuid == "E1NXBr-Y5e8-OFkV-e6es-hzoY-K2DE-ZnN9K7");
    CHECK(vg->ls_name == "lvm_vgcl");
    CHECK(vg->lv_locks_held() == 1);
    CHECK(vg->locks.back().detail == "7ifDbK-YEZC-AjcM-VZBX-eSce-BjoK-dhVGXc");
    CHECK_FALSE(info.vg("lvm_global"));
    CHECK_FALSE(info.vg(""));
}

TEST_CASE("lvmlockctl -i: unreachable, empty, busy, malformed", "[lvm-parse]")
{
    CHECK(lvmlockd_unreachable(data("lvmlockctl-info-unreachable.txt")));
    CHECK_FALSE(lvmlockd_unreachable(data("lvmlockctl-info.txt")));
    CHECK(parse_lvmlockctl_info(data("lvmlockctl-info-empty.txt")).lockspaces.empty());
    CHECK(parse_lvmlockctl_info(data("lvmlockctl-info-no-lv-lock.txt")).vg("vgcl")->lv_locks_held() == 0);
    auto busy = parse_lvmlockctl_info(data("lvmlockctl-info-busy.txt"));
    REQUIRE(busy.lockspaces.size() == 3);
    CHECK(busy.vg("vgcl")->lv_locks_held() == 2);  // LW (waiting) does not count
    CHECK(busy.vg("vgdata")->lv_locks_held() == 0);
    CHECK(busy.lockspaces[0].locks[1].detail == "ver 4 pid 2211 (lvcreate)");
    CHECK_THROWS_AS(parse_lvmlockctl_info("LS dlm lvm_x\n"), parse::ParseError);
    CHECK_THROWS_AS(parse_lvmlockctl_info("VG a lock_type=dlm u\nLK XX sh\n"), parse::ParseError);
    try {
        parse_lvmlockctl_info("VG a lock_type=dlm u\nLS dlm lvm_a\nLS a b c d\n");
        FAIL("no error");
    } catch (const parse::ParseError& e) {
        CHECK(e.line == 3);
    }
    // lines monitor does not need are skipped
    auto odd = parse_lvmlockctl_info("VG a lock_type=dlm u\nLS dlm lvm_a\nformat_info_lk error r_name x\nUN info=x\n");
    CHECK(odd.vg("a"));
}

TEST_CASE("LVM filter rule: first match per name, any accepting name wins", "[lvm-parse]")
{
    auto lab = parse_filter({"a|^/dev/drbd|", "r|.*|"});
    CHECK(filter_device(lab, {"/dev/drbd0"}).accepted);
    CHECK(filter_device(lab, {"/dev/drbd/by-res/r0/0", "/dev/drbd0"}).accepted);
    auto vdb = filter_device(lab, {"/dev/vdb"});
    CHECK_FALSE(vdb.accepted);
    CHECK(vdb.decided_by == "\"r|.*|\" matches /dev/vdb");
    // no pattern matches: accepted
    CHECK(filter_device(parse_filter({"r|^/dev/sd|"}), {"/dev/vdb"}).accepted);
    CHECK(filter_device({}, {"/dev/vdb"}).accepted);
    // rejected by name but accepted through an alias
    auto leak = parse_filter({"r|^/dev/vdb$|", "a|.*|"});
    CHECK_FALSE(filter_device(leak, {"/dev/vdb"}).accepted);
    auto v = filter_device(leak, {"/dev/vdb", "/dev/disk/by-id/virtio-backing"});
    CHECK(v.accepted);
    CHECK_THAT(v.decided_by, Catch::Contains("by-id"));
    // other delimiters
    auto br = parse_filter({"a(^/dev/drbd[0-9]+$)", "r{.*}"});
    CHECK(br[0].regex == "^/dev/drbd[0-9]+$");
    CHECK(filter_device(br, {"/dev/drbd12"}).accepted);
    CHECK_FALSE(filter_device(br, {"/dev/drbd"}).accepted);
    // bad patterns name their position
    for (auto bad : std::vector<std::vector<std::string>>{{"x|a|"}, {"a|^/dev/drbd"}, {"a||"}, {"a|(|"}, {"a"}}) {
        INFO(bad[0]);
        CHECK_THROWS_AS(parse_filter(bad), parse::ParseError);
    }
    try {
        parse_filter({"a|x|", "a|^/dev/drbd"});
        FAIL("no error");
    } catch (const parse::ParseError& e) {
        CHECK(e.line == 2);
    }
}

TEST_CASE("LVM's regex language, as libdm reads it", "[lvm-parse]")
{
    auto matches = [](const char* re, const char* name) { return LvmRegex(re).search(name); };
    CHECK(matches("loop", "/dev/loop0"));  // anywhere in the name
    CHECK_FALSE(matches("^loop", "/dev/loop0"));
    CHECK(matches("^/dev/vdb$", "/dev/vdb"));
    CHECK_FALSE(matches("^/dev/vdb$", "/dev/vdb1"));
    CHECK(matches("^/dev/(sd|vd)[a-c]+$", "/dev/vdab"));
    CHECK_FALSE(matches("^/dev/(sd|vd)[a-c]+$", "/dev/vdd"));
    CHECK(matches("^/dev/sd[^a]$", "/dev/sdb"));
    CHECK_FALSE(matches("^/dev/sd[^a]$", "/dev/sda"));
    CHECK(matches("[c-a]", "b"));  // a reversed range is swapped
    CHECK(matches("^a?b*c+$", "c"));
    CHECK_FALSE(matches("^a?b*c+$", "aab"));
    CHECK(matches("x\\.y", "x.y"));
    CHECK_FALSE(matches("x\\.y", "xzy"));
    CHECK_FALSE(matches("a.b", "a\nb"));  // '.' is not a line break
    // '{' and POSIX classes are plain characters in LVM, not ERE syntax
    CHECK(matches("^sd{1}$", "sd{1}"));
    CHECK_FALSE(matches("^sd{1}$", "sd"));
    CHECK(matches("^[[:digit:]]$", ":]"));
    CHECK_FALSE(matches("^[[:digit:]]$", "7"));
    CHECK(matches("a**", "b"));  // a run of quantifiers is one

    for (const char* bad : {"", "a(", "(a", "a)b", "*a", "a||b", "|a", "()", "[ab", "a\\", "[a-"}) {
        INFO("'" << bad << "'");
        CHECK_THROWS_AS(LvmRegex(bad), std::invalid_argument);
    }
    CHECK_THROWS_AS(LvmRegex(std::string(101, '(') + "a" + std::string(101, ')')), std::invalid_argument);
    CHECK(matches((std::string(100, '(') + "a" + std::string(100, ')')).c_str(), "a"));
}

TEST_CASE("LVM filter patterns never take exponential time", "[lvm-parse]")
{
    // Found by fuzz-lvm_text: std::regex backtracked for seconds over this pattern and one name.
    std::string found = "." + std::string(20, '+') + "\xd5\xd3" + std::string(40, '+') + "*";
    const std::string as(60, 'a');
    auto start = std::chrono::steady_clock::now();
    auto rules = parse_filter({"a|" + found + "|", "r|(a*)*b|", "r|(.+)+x$|", "r|((a|aa)+)+c|"});
    CHECK(filter_device(rules, {as + "\xd5\xd3\xd3"}).accepted);
    auto none = filter_device(rules, {as});  // the textbook exponential cases, none matching
    CHECK(none.accepted);
    CHECK(none.decided_by.empty());
    CHECK_THAT(filter_device(rules, {"/dev/drbd0"}).decided_by, Catch::Contains("(a*)*b"));  // its 'b'
    CHECK_FALSE(filter_device(rules, {as + "c"}).accepted);
    CHECK_FALSE(filter_device(rules, {as + "x"}).accepted);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
}

TEST_CASE("device-mapper names", "[lvm-parse]")
{
    CHECK(split_dm_name("vgcl-lvgfs") == std::make_pair(std::string("vgcl"), std::string("lvgfs")));
    CHECK(split_dm_name("my--vg-my--lv") == std::make_pair(std::string("my-vg"), std::string("my-lv")));
    CHECK(split_dm_name("vg-lv-real") == std::make_pair(std::string("vg"), std::string("lv")));
    CHECK(split_dm_name("luks-1234").has_value());  // looks like vg-lv: the dm uuid (not "LVM-") tells it apart
    CHECK_FALSE(split_dm_name("mpatha").has_value());
    CHECK_FALSE(split_dm_name("-x").has_value());
}

TEST_CASE("drbdadm dump-xml: captured r0", "[lvm-parse]")
{
    auto vols = parse_drbd_dump_xml(data("drbdadm-dump-xml.txt"));
    REQUIRE(vols.size() == 2);
    CHECK(vols[0].resource == "r0");
    CHECK(vols[0].host == "node1");
    CHECK(vols[0].device == "/dev/drbd0");
    CHECK(vols[0].disk == "/dev/vdb");
    CHECK(vols[1].host == "node2");
    auto diskless = parse_drbd_dump_xml(R"(<config><resource name="r1"><host name="a"><volume vnr="1">
        <device minor="7"></device><disk>none</disk></volume></host></resource></config>)");
    REQUIRE(diskless.size() == 1);
    CHECK(diskless[0].device == "/dev/drbd7");
    CHECK(diskless[0].disk.empty());
    CHECK(diskless[0].volume == "1");
    CHECK_THROWS_AS(parse_drbd_dump_xml("not xml <"), parse::ParseError);
    CHECK_THROWS_AS(parse_drbd_dump_xml("<other/>"), parse::ParseError);
}

TEST_CASE("config pitfalls: one message each", "[clvm-decisions]")
{
    using clvm::Manager;
    CHECK(clvm::config_problems(config("lvmlockd-good"), Manager::Lvmlockd).empty());
    auto no_use = clvm::config_problems(config("lvmlockd-no-use"), Manager::Lvmlockd);
    REQUIRE(no_use.size() == 1);
    CHECK_THAT(no_use[0], Catch::Contains("use_lvmlockd is 0"));
    auto lt3 = clvm::config_problems(config("lvmlockd-locking-type-3"), Manager::Lvmlockd);
    REQUIRE(lt3.size() == 1);
    CHECK_THAT(lt3[0], Catch::Contains("locking_type=3"));

    CHECK(clvm::config_problems(config("clvmd-good"), Manager::Clvmd).empty());
    auto defaults = clvm::config_problems(config("defaults"), Manager::Clvmd);
    REQUIRE(defaults.size() == 3);  // locking_type, fallback_to_local_locking, write_cache_state
    CHECK_THAT(defaults[0], Catch::Contains("locking_type is 1"));
    CHECK_THAT(defaults[1], Catch::Contains("fallback_to_local_locking is 1"));
    CHECK_THAT(defaults[2], Catch::Contains("write_cache_state is 1"));
    auto lvmetad = parse_lvmconfig("locking_type=3\nfallback_to_local_locking=0\nuse_lvmetad=1\nwrite_cache_state=0\n",
                                   clvm::config_keys());
    auto p = clvm::config_problems(lvmetad, Manager::Clvmd);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("use_lvmetad is 1"));
    // keys an old lvm2 does not know are absent: treated as their defaults
    auto old = parse_lvmconfig("locking_type=3\nfallback_to_local_locking=0\nuse_lvmetad=0\nwrite_cache_state=0\n",
                               clvm::config_keys());
    CHECK(clvm::config_problems(old, Manager::Clvmd).empty());
}

TEST_CASE("clvmd -T ends before its tool timeout, the tool timeout before the deadline", "[clvm-decisions]")
{
    // Issue 18 #8: the launcher ran with a fixed 60 s timeout while -T got the deadline minus
    // 5 s, about 76 s with the default start timeout: start failed as timed out while clvmd
    // could still come up.
    using namespace std::chrono_literals;
    for (std::chrono::milliseconds remaining = 5s; remaining <= 3600s; remaining += 500ms) {
        INFO(remaining.count() << " ms left");
        auto l = clvm::clvmd_launch(remaining);
        REQUIRE(l);
        CHECK(l->wait_s >= 1);
        CHECK(std::chrono::milliseconds(l->wait_s * 1000) + 2s <= l->tool_timeout);  // clvmd answers first
        CHECK(l->tool_timeout + 2s <= remaining);                                      // then the deadline
    }
    // The default start (90 s, margin 9 s) still gives clvmd most of its time.
    auto d = clvm::clvmd_launch(81s);
    REQUIRE(d);
    CHECK(d->wait_s >= 60);
    CHECK_FALSE(clvm::clvmd_launch(3s));
    CHECK_FALSE(clvm::clvmd_launch(0s));
}

TEST_CASE("filter pitfalls against DRBD's devices", "[clvm-decisions]")
{
    std::vector<clvm::DeviceNames> drbd{{"/dev/drbd0", {"/dev/drbd0"}}};
    std::vector<clvm::DeviceNames> disk{{"/dev/vdb", {"/dev/vdb"}}};
    CHECK(clvm::filter_problems(config("lvmlockd-good"), drbd, disk).empty());
    CHECK(clvm::filter_problems(config("filter-string"), drbd, disk).empty());
    auto twice = clvm::filter_problems(config("filter-accepts-backing"), drbd, disk);
    REQUIRE(twice.size() == 1);
    CHECK_THAT(twice[0], Catch::Contains("backing disk /dev/vdb") && Catch::Contains("sees its PV twice"));
    auto hidden = clvm::filter_problems(config("filter-rejects-drbd"), drbd, disk);
    REQUIRE(hidden.size() == 1);
    CHECK_THAT(hidden[0], Catch::Contains("global_filter rejects the DRBD device /dev/drbd0"));
    // the alias leak only shows with the alias
    CHECK(clvm::filter_problems(config("filter-alias-leak"), drbd, disk).empty());
    std::vector<clvm::DeviceNames> aliased{{"/dev/vdb", {"/dev/vdb", "/dev/disk/by-id/virtio-backing"}}};
    auto leak = clvm::filter_problems(config("filter-alias-leak"), drbd, aliased);
    REQUIRE(leak.size() == 1);
    CHECK_THAT(leak[0], Catch::Contains("/dev/disk/by-id/virtio-backing"));
    try {
        clvm::filter_problems(config("filter-bad-pattern"), drbd, disk);
        FAIL("no error");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrInstalled);  // lvm.conf is this node's (issue 18 #10)
        CHECK_THAT(f.reason, Catch::Contains("global_filter pattern 1"));
    }
}

TEST_CASE("monitor verdict from lvmlockctl -i", "[clvm-decisions]")
{
    auto steady = parse_lvmlockctl_info(data("lvmlockctl-info.txt"));
    CHECK(clvm::assess_lockd(steady, {"vgcl"}, true, {}).ok());
    CHECK(clvm::assess_lockd(steady, {"vgcl"}, true, {{"vgcl", 1}}).ok());
    CHECK(clvm::assess_lockd(steady, {}, true, {}).ok());
    auto missing = clvm::assess_lockd(steady, {"vgcl", "vgdata"}, true, {});
    CHECK(missing.code == ExitCode::ErrGeneric);
    CHECK_THAT(missing.reason, Catch::Contains("vgdata is not started"));
    auto none = parse_lvmlockctl_info(data("lvmlockctl-info-no-lv-lock.txt"));
    auto inactive = clvm::assess_lockd(none, {"vgcl"}, true, {{"vgcl", 1}});
    CHECK(inactive.code == ExitCode::ErrGeneric);
    CHECK_THAT(inactive.reason, Catch::Contains("no active logical volume") && Catch::Contains("start activated 1"));
    CHECK(clvm::assess_lockd(none, {"vgcl"}, false, {}).ok());             // activation not ours
    CHECK(clvm::assess_lockd(none, {"vgcl"}, true, {{"vgcl", 0}}).ok());   // an empty VG
    CHECK_FALSE(clvm::assess_lockd(parse_lvmlockctl_info(""), {"vgcl"}, false, {}).ok());
}

TEST_CASE("lvmlockctl -i on the three nodes of the san topology", "[lvm-parse]")
{
    // tests/data/cluster-captures/san: vgsan shared on the multipath LUN, its LV active on all three
    for (const char* node : {"node1", "node2", "node3"}) {
        INFO(node);
        auto info = parse_lvmlockctl_info(
            test::read_fixture(std::string("cluster-captures/san/healthy/") + node + "/lvmlockctl-info.txt"));
        const auto* vg = info.vg("vgsan");
        REQUIRE(vg != nullptr);
        CHECK(vg->lock_type == "dlm");
        CHECK(vg->lv_locks_held() == 1);
        CHECK(clvm::assess_lockd(info, {"vgsan"}, true, {{"vgsan", 1}}).ok());
    }
}
