// parse_lvm_report against real vgs/lvs/pvs --reportformat json captures and malformed reports.
#include "catch.h"

#include "fixture.h"
#include "ocfkit/parse/lvm_report.h"
#include "parse_error_line.h"

using namespace ocfkit::parse;
using ocfkit::test::read_fixture;

namespace {

std::size_t error_line(std::string_view text, std::string* message = nullptr)
{
    return ocfkit::test::parse_error_line(parse_lvm_report, text, message);
}

}  // namespace

TEST_CASE("every lvm fixture parses as its manifest says", "[lvm]")
{
    std::size_t seen = ocfkit::test::for_each_fixture("lvm", [](const std::string& name, const std::string& text, const std::string& expect) {
        INFO(name << " expected " << expect);
        auto expectation = ocfkit::test::parse_expectation(expect);
        if (expectation.ok) {
            LvmReport report;
            REQUIRE_NOTHROW(report = parse_lvm_report(text));
            CHECK(!report.sections.empty());
        } else {
            std::size_t line = error_line(text);
            if (expectation.line) CHECK(line == expectation.line);
        }
    });
    CHECK(seen >= 9);
}

TEST_CASE("shared VG in the two-node VM cluster", "[lvm]")
{
    LvmReport vgs = parse_lvm_report(read_fixture("lvm/vm-two-node-steady-vgs.txt"));
    REQUIRE(vgs.rows("vg").size() == 1);
    const LvmRow& vg = vgs.rows("vg")[0];
    CHECK(vg.at("vg_name") == "vgcl");
    CHECK(vg.at("vg_attr") == "wz--ns");
    CHECK(vg.at("vg_lock_type") == "dlm");
    CHECK(vg.at("vg_lock_args") == "1.0.0:hacl");
    CHECK(vg.at("vg_shared") == "shared");
    CHECK(vg_attr_shared(vg.at("vg_attr")));
    CHECK(vgs.rows("lv").empty());

    LvmReport lvs = parse_lvm_report(read_fixture("lvm/vm-two-node-steady-lvs.txt"));
    REQUIRE(lvs.rows("lv").size() == 1);
    const LvmRow& lv = lvs.rows("lv")[0];
    CHECK(lv.at("lv_name") == "lvgfs");
    CHECK(lv.at("vg_name") == "vgcl");
    CHECK(lv.at("lv_attr") == "-wi-ao----");
    CHECK(lv_attr_active(lv.at("lv_attr")));
    CHECK(lv.at("lv_active_exclusively") == "active exclusively");

    LvmReport pvs = parse_lvm_report(read_fixture("lvm/vm-two-node-steady-pvs.txt"));
    REQUIRE(pvs.rows("pv").size() == 1);
    CHECK(pvs.rows("pv")[0].at("pv_name") == "/dev/drbd0");
    CHECK(pvs.rows("pv")[0].at("pv_attr") == "a--");
}

TEST_CASE("shared VG in the two-node VM cluster on Debian 13 (lvm2 2.03.31)", "[lvm]")
{
    LvmReport vgs = parse_lvm_report(read_fixture("lvm/debian13-vm-two-node-steady-vgs.json"));
    REQUIRE(vgs.rows("vg").size() == 1);
    CHECK(vgs.rows("vg")[0].at("vg_name") == "vgshared");
    CHECK(vgs.rows("vg")[0].at("vg_lock_type") == "dlm");
    CHECK(vg_attr_shared(vgs.rows("vg")[0].at("vg_attr")));

    LvmReport lvs = parse_lvm_report(read_fixture("lvm/debian13-vm-two-node-steady-lvs.json"));
    REQUIRE(lvs.rows("lv").size() == 1);
    const LvmRow& lv = lvs.rows("lv")[0];
    CHECK(lv.at("lv_name") == "gfs2lv");
    CHECK(lv_attr_active(lv.at("lv_attr")));
    // Active shared on both nodes: 2.03.31 no longer calls that "active exclusively" (2.03.16
    // did), and does not know about the other node.
    CHECK(lv.at("lv_active_exclusively").empty());
    CHECK(lv.at("lv_active_remotely") == "unknown");

    LvmReport pvs = parse_lvm_report(read_fixture("lvm/debian13-vm-two-node-steady-pvs.json"));
    REQUIRE(pvs.rows("pv").size() == 1);
    CHECK(pvs.rows("pv")[0].at("pv_name") == "/dev/drbd0");
}

TEST_CASE("empty reports after a fence reboot; stderr mixed in is refused", "[lvm]")
{
    for (const char* kind : {"vgs", "lvs", "pvs"}) {
        INFO(kind);
        std::string section = std::string(kind).substr(0, 2);
        LvmReport r = parse_lvm_report(read_fixture(std::string("lvm/vm-node-after-fence-reboot-") + kind + "-stdout.json"));
        REQUIRE(r.sections.count(section) == 1);
        CHECK(r.rows(section).empty());
        std::string message;
        CHECK(error_line(read_fixture(std::string("lvm/vm-node-after-fence-reboot-") + kind + ".txt"), &message) == 1);
    }
}

TEST_CASE("reports from this host's lvm2 (no device-mapper)", "[lvm]")
{
    LvmReport lvs = parse_lvm_report(read_fixture("lvm/host-lvs-fields.json"));
    REQUIRE(lvs.rows("lv").size() == 2);
    const LvmRow& one = lvs.rows("lv")[0];
    const LvmRow& two = lvs.rows("lv")[1];
    CHECK(one.at("lv_name") == "lv_one");
    CHECK(one.at("vg_name") == "ocfkit_parse_vg");
    CHECK(one.at("lv_attr") == "-wi-XX----");  // state unknown without device-mapper
    CHECK_FALSE(lv_attr_active(one.at("lv_attr")));
    CHECK(one.at("lv_active").empty());
    CHECK(one.at("lv_tags").empty());
    CHECK(two.at("lv_size") == "12.00m");
    CHECK(two.at("lv_tags") == "t1,t2");

    LvmReport vgs = parse_lvm_report(read_fixture("lvm/host-vgs-fields.json"));
    REQUIRE(vgs.rows("vg").size() == 1);
    CHECK(vgs.rows("vg")[0].at("vg_attr") == "wz--n-");
    CHECK_FALSE(vg_attr_shared(vgs.rows("vg")[0].at("vg_attr")));
    CHECK(vgs.rows("vg")[0].at("vg_lock_type").empty());
    CHECK(vgs.rows("vg")[0].at("vg_tags") == "site_a,tag.two");

    LvmReport units = parse_lvm_report(read_fixture("lvm/host-lvs-units.json"));
    REQUIRE(units.rows("lv").size() == 2);
    CHECK(units.rows("lv")[0].at("lv_size") == "8388608");

    // One report item with five sections.
    LvmReport full = parse_lvm_report(read_fixture("lvm/host-fullreport.json"));
    CHECK(full.sections.size() == 5);
    CHECK(full.rows("vg").size() == 1);
    CHECK(full.rows("pv").size() == 1);
    CHECK(full.rows("pv")[0].at("pv_name").rfind("/dev/loop", 0) == 0);
    CHECK(full.rows("lv").size() == 2);
    CHECK(full.rows("lv")[0].at("lv_full_name") == "ocfkit_parse_vg/lv_one");
    CHECK(full.rows("pvseg").size() == 3);
    CHECK(full.rows("seg").size() == 2);
    CHECK(full.rows("seg")[0].at("segtype") == "linear");

    // report_command_log adds a "log" member next to "report": ignored.
    LvmReport with_log = parse_lvm_report(read_fixture("lvm/host-vgs-with-log.json"));
    CHECK(with_log.sections.size() == 1);
    CHECK(with_log.rows("vg").size() == 1);

    // A VG that does not exist (rc 5): the section is there and empty.
    LvmReport missing = parse_lvm_report(read_fixture("lvm/host-vgs-missing.json"));
    CHECK(missing.sections.count("vg") == 1);
    CHECK(missing.rows("vg").empty());
}

TEST_CASE("lvm report shapes: several items, json_std values, unknown keys", "[lvm]")
{
    // lvm fullreport prints one item per VG with several sections; json_std (lvm2 >= 2.03.17)
    // prints numbers, null and string lists; a "log" member may sit next to "report".
    LvmReport r = parse_lvm_report(R"({"report": [
        {"vg": [{"vg_name": "a", "vg_attr": "wz--n-"}], "lv": [{"lv_name": "l1", "lv_attr": "-wi-------"}]},
        {"vg": [{"vg_name": "b", "vg_extent_count": 63, "vg_tags": ["t1", "t2"], "vg_lock_args": null}], "lv": []}
      ],
      "log": [{"log_seq_num": "1", "log_type": "status"}]})");
    REQUIRE(r.rows("vg").size() == 2);
    CHECK(r.rows("vg")[0].at("vg_name") == "a");
    CHECK_FALSE(vg_attr_shared(r.rows("vg")[0].at("vg_attr")));
    CHECK(r.rows("vg")[1].at("vg_extent_count") == "63");
    CHECK(r.rows("vg")[1].at("vg_tags") == "t1,t2");
    CHECK(r.rows("vg")[1].at("vg_lock_args").empty());
    REQUIRE(r.rows("lv").size() == 1);
    CHECK_FALSE(lv_attr_active(r.rows("lv")[0].at("lv_attr")));
    CHECK(r.rows("log").empty());  // only "report" items are read
    CHECK(r.rows("nothing").empty());

    CHECK(lv_attr_active("-wi-a-----"));
    CHECK_FALSE(lv_attr_active("-wi-"));
    CHECK_FALSE(lv_attr_active(""));
    CHECK(vg_attr_shared("wz--nc"));
    CHECK_FALSE(vg_attr_shared("wz--n"));
}

TEST_CASE("malformed lvm reports name the line", "[lvm]")
{
    std::string message;
    CHECK(error_line("  WARNING: lvmlockd process is not running.\n  {}\n") == 1);
    CHECK(error_line("  {\n      \"report\": [\n          {\n              \"vg\": [\n") == 5);  // truncated
    CHECK(error_line("[]", &message) == 1);
    CHECK(message.find("not an object") != std::string::npos);
    CHECK(error_line("{\n\"log\": []\n}", &message) == 1);
    CHECK(message.find("\"report\"") != std::string::npos);
    CHECK(error_line("{\n\"report\": {}\n}") == 2);
    CHECK(error_line("{\"report\": [\n\"vg\"\n]}") == 2);
    CHECK(error_line("{\"report\": [{\n\"vg\": {}\n}]}") == 2);
    CHECK(error_line("{\"report\": [{\"vg\": [\n[\"a\"]\n]}]}") == 2);
    CHECK(error_line("{\"report\": [{\"vg\": [{\n\"vg_name\": {\"x\": 1}\n}]}]}", &message) == 2);
    CHECK(message.find("vg_name") != std::string::npos);
    CHECK(error_line("{\"report\": [{\"vg\": [{\"vg_name\": \"a\",\n\"vg_tags\": [\"t\",\n true]}]}]}") == 3);
    CHECK(error_line("{\"report\": [{\"vg\": [{\"vg_name\": true}]}]}") == 1);
}
