// gfs2fs's pure parsers against real captures (tests/data/gfs2/README.md says which tool made each).
#include "catch.h"

#include <algorithm>

#include "fixture.h"
#include "gfs2_parse.h"

using namespace ocfkit::gfs2fs;
using ocfkit::parse::ParseError;

namespace {

std::string fixture(const std::string& name) { return ocfkit::test::read_fixture("gfs2/" + name); }

}  // namespace

TEST_CASE("tunegfs2 -l of a lock_dlm file system made by mkfs.gfs2", "[gfs2fs-parse]")
{
    auto sb = parse_tunegfs2_list(fixture("tunegfs2-l-dlm.txt"));
    CHECK(sb.lock_protocol == "lock_dlm");
    CHECK(sb.lock_table == "hacl:gfs0");
    CHECK(sb.cluster_part() == "hacl");
    CHECK(sb.fs_part() == "gfs0");
    CHECK(sb.block_size == 4096);
    CHECK(sb.format_version == 1802);
    CHECK(sb.uuid.size() == 36);
}

TEST_CASE("tunegfs2 -l captured on the two-node cluster", "[gfs2fs-parse]")
{
    auto sb = parse_tunegfs2_list(fixture("tunegfs2-l-two-node-steady.txt"));
    CHECK(sb.lock_protocol == "lock_dlm");
    CHECK(sb.lock_table == "hacl:gfs0");
    CHECK(sb.uuid == "2f9daf5b-b08e-46c7-83ec-a1b63e874afe");
    CHECK(sb.label == "hacl:gfs0");
}

TEST_CASE("tunegfs2 -l of lock_nolock has an empty lock table", "[gfs2fs-parse]")
{
    auto sb = parse_tunegfs2_list(fixture("tunegfs2-l-nolock.txt"));
    CHECK(sb.lock_protocol == "lock_nolock");
    CHECK(sb.lock_table.empty());
    CHECK(sb.cluster_part().empty());
}

TEST_CASE("tunegfs2 -l of a non-GFS2 device or other text is refused", "[gfs2fs-parse]")
{
    CHECK_THROWS_AS(parse_tunegfs2_list(fixture("tunegfs2-l-ext4.txt")), ParseError);
    CHECK_THROWS_AS(parse_tunegfs2_list(""), ParseError);
    CHECK_THROWS_AS(parse_tunegfs2_list("File system magic number: 0xef53\nLock protocol: x\nLock table: y\n"), ParseError);
    // Lines it needs missing
    CHECK_THROWS_AS(parse_tunegfs2_list("File system magic number: 0x1161970\nLock table: a:b\n"), ParseError);
    CHECK_THROWS_AS(parse_tunegfs2_list("File system magic number: 0x1161970\nLock protocol: lock_dlm\n"), ParseError);
    CHECK_THROWS_AS(parse_tunegfs2_list("File system magic number: 0x1161970\nBlock size: big\nLock protocol: "
                                        "lock_dlm\nLock table: a:b\n"),
                    ParseError);
    // Unknown lines are fine
    auto sb = parse_tunegfs2_list("Something new: 3\nFile system magic number: 0x1161970\nLock protocol: lock_dlm\n"
                                  "Lock table: c:d\n");
    CHECK(sb.lock_table == "c:d");
}

TEST_CASE("gfs2_edit -p jindex: stuffed directory with 2 and 1 journals", "[gfs2fs-parse]")
{
    auto j = parse_gfs2_edit_jindex(fixture("jindex-2.txt"));
    CHECK(j.journals == 2);
    CHECK(j.dinode_entries == 4);
    CHECK(parse_gfs2_edit_jindex(fixture("jindex-1-nolock.txt")).journals == 1);
}

TEST_CASE("gfs2_edit -p jindex: hashed directory with 100 journals over two leaves", "[gfs2fs-parse]")
{
    // gfs2_edit -p journals lists only 44 of these; -p jindex shows all.
    auto j = parse_gfs2_edit_jindex(fixture("jindex-100-exhash.txt"));
    CHECK(j.journals == 100);
    CHECK(j.dinode_entries == 102);
}

TEST_CASE("gfs2_edit -p jindex: wrong or inconsistent text is refused", "[gfs2fs-parse]")
{
    CHECK_THROWS_AS(parse_gfs2_edit_jindex(""), ParseError);
    CHECK_THROWS_AS(parse_gfs2_edit_jindex("I don't know what 'jindex' means.\n"), ParseError);
    std::string two = fixture("jindex-2.txt");
    // One dirent lost: the dinode still counts 4 entries.
    auto pos = two.find("journal1");
    REQUIRE(pos != std::string::npos);
    std::string lost = two.substr(0, two.rfind('\n', pos) + 1);
    CHECK_THROWS_AS(parse_gfs2_edit_jindex(lost), ParseError);
    // Entries not printed at all: the dinode's count is used.
    std::string head = two.substr(0, two.find("Directory block"));
    CHECK(parse_gfs2_edit_jindex(head).journals == 2);
}

TEST_CASE("gfs2_edit -p jindex: a di_entries no int holds is refused, not wrapped", "[gfs2fs-parse]")
{
    // Found by fuzz-gfs2_jindex: 4229210908149270302 entries wrapped to a journal count <= 0.
    std::string head = fixture("jindex-2.txt");
    head = head.substr(0, head.find("Directory block"));
    auto at = head.find("di_entries");
    REQUIRE(at != std::string::npos);
    const std::size_t line = static_cast<std::size_t>(std::count(head.begin(), head.begin() + at, '\n')) + 1;
    auto with_entries = [&](const std::string& n) {
        std::string t = head;
        auto end = t.find('\n', at);
        return t.replace(at, end - at, "di_entries            " + n + "                   0x0");
    };
    for (const char* bad : {"4229210908149270302", "2147483650", "-3", "-9223372036854775808"}) {
        INFO(bad);
        try {
            parse_gfs2_edit_jindex(with_entries(bad));
            FAIL("no ParseError");
        } catch (const ParseError& e) {
            CHECK(e.line == line);
        }
    }
    CHECK(parse_gfs2_edit_jindex(with_entries("66")).journals == 64);
}

TEST_CASE("corosync-cmapctl -g totem.cluster_name", "[gfs2fs-parse]")
{
    CHECK(parse_cmap_value(fixture("cmapctl-cluster-name-two-node-steady.txt"), "totem.cluster_name") == "hacl");
    CHECK_THROWS_AS(parse_cmap_value(fixture("cmapctl-not-running.txt"), "totem.cluster_name"), ParseError);
    CHECK_THROWS_AS(parse_cmap_value("totem.cluster_name_x (str) = a\n", "totem.cluster_name"), ParseError);
    CHECK(parse_cmap_value("totem.cluster_name (str) = my cluster\n", "totem.cluster_name") == "my cluster");
}

TEST_CASE("/proc/filesystems and fdinfo", "[gfs2fs-parse]")
{
    auto fs = parse_proc_filesystems(fixture("proc-filesystems.txt"));
    CHECK(std::find(fs.begin(), fs.end(), "ext4") != fs.end());
    CHECK(std::find(fs.begin(), fs.end(), "tmpfs") != fs.end());
    CHECK(std::find(fs.begin(), fs.end(), "nodev") == fs.end());
    CHECK(parse_fdinfo_mnt_id("pos:\t0\nflags:\t012000000\nmnt_id:\t43\nino:\t12\n") == 43);
    CHECK_FALSE(parse_fdinfo_mnt_id("pos:\t0\n").has_value());
}

TEST_CASE("lock table syntax", "[gfs2fs-parse]")
{
    CHECK_FALSE(lock_table_problem("hacl:gfs0"));
    CHECK(lock_table_problem("nocolon"));
    CHECK(lock_table_problem(":fs"));
    CHECK(lock_table_problem("cl:"));
    CHECK(lock_table_problem("cl:f s"));
    CHECK(lock_table_problem(std::string(33, 'a') + ":x"));
    CHECK(lock_table_problem("a:" + std::string(31, 'b')));
    CHECK_FALSE(lock_table_problem(std::string(32, 'a') + ":" + std::string(30, 'b')));
}

TEST_CASE("gfs2_edit -p jindex: the san topology's GFS2, 3 journals, read on each of its nodes", "[gfs2fs-parse]")
{
    // tests/data/cluster-captures/san: mkfs.gfs2 -j 3 on the shared VG of a multipath iSCSI LUN
    for (const char* node : {"node1", "node2", "node3"}) {
        INFO(node);
        auto j = parse_gfs2_edit_jindex(
            ocfkit::test::read_fixture(std::string("cluster-captures/san/healthy/") + node + "/gfs2_edit-jindex.txt"));
        CHECK(j.journals == 3);
        auto sb = parse_tunegfs2_list(
            ocfkit::test::read_fixture(std::string("cluster-captures/san/healthy/") + node + "/tunegfs2-l.txt"));
        CHECK(sb.lock_table == "ocfkit:gfs2");
    }
}
