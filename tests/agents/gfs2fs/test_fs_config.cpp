// gfs2fs's pure configuration rules: device forms, options, paths, classes, levels.
#include "catch.h"

#include <csignal>

#include <fmt/format.h>

#include "fs_config.h"

using namespace ocfkit::gfs2fs;

TEST_CASE("device forms", "[gfs2fs-config]")
{
    auto path = parse_device("/dev/vg0/lv0", "gfs2", "");
    REQUIRE(path.spec);
    CHECK(path.spec->kind == DeviceKind::Path);

    for (auto [text, kind, value] : std::vector<std::tuple<std::string, DeviceKind, std::string>>{
             {"LABEL=data", DeviceKind::Label, "data"},
             {"UUID=2f9daf5b-b08e", DeviceKind::Uuid, "2f9daf5b-b08e"},
             {"-L data", DeviceKind::Label, "data"},
             {"-Uabc", DeviceKind::Uuid, "abc"},
             {"--label=data", DeviceKind::Label, "data"},
             {"--uuid abc", DeviceKind::Uuid, "abc"},
             {"PARTUUID=1234", DeviceKind::PartUuid, "1234"},
             {"LABEL=\"my disk\"", DeviceKind::Label, "my disk"},
         }) {
        INFO(text);
        auto d = parse_device(text, "ext4", "");
        REQUIRE(d.spec);
        CHECK(d.spec->kind == kind);
        CHECK(d.spec->value == value);
        CHECK(d.spec->is_tag());
    }
    auto nfs = parse_device("server:/export", "nfs", "");
    REQUIRE(nfs.spec);
    CHECK(nfs.spec->kind == DeviceKind::Remote);
    CHECK(parse_device("//server/share", "cifs", "").spec);
    CHECK(parse_device("tmpfs", "tmpfs", "").spec);
    CHECK(parse_device("/srv/data", "none", "bind").spec->kind == DeviceKind::Path);

    CHECK_FALSE(parse_device("", "gfs2", "").spec);
    CHECK_FALSE(parse_device("dev/sda1", "ext4", "").spec);           // relative
    CHECK_FALSE(parse_device("-o remount", "ext4", "").spec);         // an option
    CHECK_FALSE(parse_device("/dev/sda1;reboot", "ext4", "").spec);   // shell
    CHECK_FALSE(parse_device("/dev/sda 1", "ext4", "").spec);         // space
    CHECK_FALSE(parse_device("/dev/sda\n1", "ext4", "").spec);        // control
    CHECK_FALSE(parse_device("LABEL=", "ext4", "").spec);
    CHECK_FALSE(parse_device("LABEL=$(x)", "ext4", "").spec);
    CHECK_FALSE(parse_device("server/export", "nfs", "").spec);       // not server:/path
    CHECK_FALSE(parse_device("server:/x", "cifs", "").spec);          // not //server/share
    CHECK_FALSE(parse_device("/dev/" + std::string(5000, 'a'), "ext4", "").spec);
    CHECK(parse_device("dev/sda1", "ext4", "").problem.find("absolute") != std::string::npos);
}

TEST_CASE("mount options", "[gfs2fs-config]")
{
    CHECK_FALSE(options_problem("", "gfs2", true));
    CHECK_FALSE(options_problem("noatime,acl", "gfs2", true));
    CHECK_FALSE(options_problem("lockproto=lock_dlm,locktable=hacl:gfs0", "gfs2", true));
    CHECK_FALSE(options_problem("context=\"system_u:object_r:nfs_t:s0\"", "ext4", false));
    CHECK_FALSE(options_problem("bind,ro", "none", false));
    CHECK(options_problem("lockproto=lock_nolock", "gfs2", true)->find("corrupt") != std::string::npos);
    CHECK_FALSE(options_problem("lockproto=lock_nolock", "gfs2", false));
    CHECK(options_problem("lockproto=lock_gulm", "gfs2", false));
    CHECK(options_problem("locktable=nocolon", "gfs2", false));
    CHECK(options_problem("lockproto=lock_dlm", "ext4", false));
    CHECK(options_problem("ro,rw", "ext4", false));
    CHECK(options_problem("rw,,noatime", "ext4", false));
    CHECK(options_problem("rw,", "ext4", false));
    CHECK(options_problem("remount,rw", "ext4", false));
    CHECK(options_problem("rw noatime", "ext4", false));
    CHECK(options_problem("rw;reboot", "ext4", false));
    CHECK(options_problem("$(reboot)", "ext4", false));
    CHECK(options_problem("-o rw", "ext4", false));
    CHECK(options_problem("context=\"x", "ext4", false));
    CHECK(options_problem("bind", "ext4", false));
    CHECK(options_problem("", "none", false));
    CHECK(options_problem("loop", "gfs2", true));
    CHECK(options_problem(std::string(5000, 'a'), "ext4", false));

    CHECK(option_value("a=1,b=2,a=3", "a") == "3");
    CHECK_FALSE(option_value("ab=1", "a"));
    CHECK(expects_read_only("noatime,ro"));
    CHECK_FALSE(expects_read_only("ro,rw"));
    CHECK_FALSE(expects_read_only("errors=remount-ro"));
    CHECK(is_bind("rbind"));
    CHECK(has_option("a,spectator", "spectator"));
}

TEST_CASE("file system classes", "[gfs2fs-config]")
{
    CHECK(classify_fstype("gfs2") == FsClass::Cluster);
    CHECK(classify_fstype("ocfs2") == FsClass::Cluster);
    CHECK(classify_fstype("ext4") == FsClass::Local);
    CHECK(classify_fstype("xfs") == FsClass::Local);
    CHECK(classify_fstype("somethingnew") == FsClass::Local);  // unknown types are treated as local
    CHECK(classify_fstype("nfs4") == FsClass::Network);
    CHECK(classify_fstype("fuse.sshfs") == FsClass::Network);
    CHECK(classify_fstype("tmpfs") == FsClass::Virtual);
    CHECK(clone_safe("gfs2"));
    CHECK_FALSE(clone_safe("ext4"));
    CHECK(needs_block_device("xfs"));
    CHECK_FALSE(needs_block_device("nfs"));
    CHECK_FALSE(fstype_problem("gfs2"));
    CHECK_FALSE(fstype_problem("fuse.sshfs"));
    CHECK(fstype_problem(""));
    CHECK(fstype_problem("ext4/x"));
    CHECK(fstype_problem("ext4;x"));
}

TEST_CASE("directories and status files", "[gfs2fs-config]")
{
    CHECK(normalize_path("/a//b/./c/") == "/a/b/c");
    CHECK(normalize_path("///") == "/");
    CHECK(path_within("/vm/a", "/vm"));
    CHECK(path_within("/vm", "/vm"));
    CHECK_FALSE(path_within("/vm2", "/vm"));
    CHECK_FALSE(path_within("/v", "/vm"));
    CHECK(path_within("/x", "/"));

    CHECK_FALSE(directory_problem("/vm"));
    CHECK_FALSE(directory_problem("/srv/vm/"));
    CHECK(directory_problem("vm"));
    CHECK(directory_problem(""));
    CHECK(directory_problem("/"));
    CHECK(directory_problem("//"));
    CHECK(directory_problem("/proc"));
    CHECK(directory_problem("/etc/"));
    CHECK(directory_problem("/srv/../etc"));
    CHECK(directory_problem("/srv/a\nb"));
    CHECK(directory_problem("/" + std::string(300, 'a')));

    CHECK_FALSE(statusfile_prefix_problem(".Filesystem_status/"));
    CHECK_FALSE(statusfile_prefix_problem(""));
    CHECK(statusfile_prefix_problem("/abs"));
    CHECK(statusfile_prefix_problem("a/../../b"));
    CHECK(statusfile_prefix_problem("a;b"));

    CHECK(status_file_path("/vm/", ".Filesystem_status/", "sharedfs", std::string("1"), "node1") ==
          "/vm/.Filesystem_status/sharedfs_1_node1");
    CHECK(status_file_path("/vm", "", "fs", std::nullopt, "n") == "/vm/fs_n");
}

TEST_CASE("fsck, force_unmount, check levels, udev names", "[gfs2fs-config]")
{
    CHECK(fsck_wanted(FsckMode::Auto, "ext2"));
    CHECK_FALSE(fsck_wanted(FsckMode::Auto, "ext4"));
    CHECK_FALSE(fsck_wanted(FsckMode::Auto, "xfs"));
    CHECK_FALSE(fsck_wanted(FsckMode::Auto, "gfs2"));
    CHECK_FALSE(fsck_wanted(FsckMode::Auto, "nfs"));
    CHECK(fsck_wanted(FsckMode::Force, "ext4"));
    CHECK_FALSE(fsck_wanted(FsckMode::No, "ext2"));
    CHECK_FALSE(parse_fsck_mode("sometimes"));

    CHECK(parse_force_unmount("true") == ForceUnmount::True);
    CHECK(parse_force_unmount("YES") == ForceUnmount::True);
    CHECK(parse_force_unmount("safe") == ForceUnmount::Safe);
    CHECK(parse_force_unmount("no") == ForceUnmount::False);
    CHECK_FALSE(parse_force_unmount("maybe"));

    CHECK(effective_check_level(0) == 0);
    CHECK(effective_check_level(5) == 0);
    CHECK(effective_check_level(10) == 10);
    CHECK(effective_check_level(19) == 10);
    CHECK(effective_check_level(20) == 20);
    CHECK(effective_check_level(99) == 20);

    CHECK(udev_escape("my disk/x") == "my\\x20disk\\x2fx");
    CHECK(udev_escape("hacl:gfs0") == "hacl:gfs0");
    // Found by fuzz-gfs2fs_config: strchr() finds the terminator, so NUL passed through unescaped.
    CHECK(udev_escape(std::string("a\0b", 3)) == "a\\x00b");
}

TEST_CASE("holder signals: only those that end a process", "[gfs2fs-config]")
{
    for (auto [text, sig] : std::vector<std::pair<std::string, int>>{
             {"TERM", SIGTERM}, {"SIGKILL", SIGKILL}, {"sigint", SIGINT}, {"hup", SIGHUP}, {"15", SIGTERM},
             {"9", SIGKILL}, {"USR1", SIGUSR1}, {"SIGPWR", SIGPWR}, {"31", SIGSYS}}) {
        INFO(text);
        auto s = parse_holder_signal(text);
        CHECK(s.signal == sig);
        CHECK(s.problem.empty());
    }
    // Stopping, ignored and real-time signals never make a holder let go of the mount.
    for (auto [text, named] : std::vector<std::pair<std::string, std::string>>{
             {"STOP", "SIGSTOP"}, {"SIGTSTP", "SIGTSTP"}, {"21", "SIGTTIN"}, {"22", "SIGTTOU"}, {"TTOU", "SIGTTOU"},
             {"CONT", "SIGCONT"}, {"17", "SIGCHLD"}, {"WINCH", "SIGWINCH"}, {"URG", "SIGURG"}, {"32", "32"},
             {"34", "34"}, {"40", "40"}, {"64", "64"}}) {
        INFO(text);
        auto s = parse_holder_signal(text);
        CHECK_FALSE(s.signal);
        CHECK_THAT(s.problem, Catch::Contains(named) && Catch::Contains("use one that ends a process"));
    }
    for (std::string text : {"", "0", "65", "-9", "9x", "SIGFOO", "SIG", " TERM"}) {
        INFO(text);
        CHECK_FALSE(parse_holder_signal(text).signal);
    }
    CHECK(signal_text(SIGTERM) == "SIGTERM");
    CHECK(signal_text(40) == "signal 40");
    CHECK(signal_text(SIGRTMIN) == fmt::format("signal {}", SIGRTMIN));
}
