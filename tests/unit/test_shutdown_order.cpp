// The systemd drop-in that orders Pacemaker's shutdown before what a resource needs: its name and
// text, and writing, rewriting and removing it under a host root (OCFKIT_HOST_ROOT).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catch.h"

#include "agent_run.h"
#include "ocfkit/agent.h"
#include "ocfkit/shutdown_order.h"

using namespace ocfkit;
namespace fs = std::filesystem;

namespace {

const ShutdownOrder kOrder{.agent = "gfs2fs", .why = "Pacemaker first.", .after = {"remote-fs.target", "dlm.service"}};

struct Host {
    std::string root;
    MapEnv env;
    AgentSpec spec;
    Params params = Params::parse(spec, env);
    Deadline deadline = Deadline::after(std::chrono::seconds(20));
    FakeRunner runner;
    Logger log;
    test::StubCluster cluster;

    Host()
    {
        std::string t = (fs::temp_directory_path() / "ocfkit-order-XXXXXX").string();
        root = ::mkdtemp(t.data());
        env.set("OCFKIT_HOST_ROOT", root);
        env.set("OCF_RESOURCE_INSTANCE", "fs:1");
        runner.expect({"systemctl", "daemon-reload"}, FakeRunner::exited(0));
    }
    ~Host()
    {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    Context ctx() { return Context{"start", env, params, deadline, runner, log, cluster}; }
    HostPaths paths() const
    {
        MapEnv e{{"OCFKIT_HOST_ROOT", root}};
        return HostPaths::from_env(e);
    }
    std::string file() const { return root + "/run/systemd/system/resource-agents-deps.target.d/50-ocfkit-gfs2fs-fs_1.conf"; }
    std::string text() const
    {
        std::ifstream in(file());
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

}  // namespace

TEST_CASE("shutdown order: file name and text", "[shutdown-order]")
{
    CHECK(shutdown_order_file_name("gfs2fs", "fs:1") == "50-ocfkit-gfs2fs-fs_1.conf");
    CHECK(shutdown_order_file_name("virtdomain", "vm/../x y") == "50-ocfkit-virtdomain-vm_.._x_y.conf");
    CHECK(shutdown_order_text(kOrder, "fs:1") ==
          "# Written by ocfkit's gfs2fs agent for resource fs:1; its stop removes it.\n"
          "# Pacemaker first.\n"
          "[Unit]\n"
          "After=remote-fs.target\n"
          "After=dlm.service\n");
}

TEST_CASE("shutdown order: nothing without systemd", "[shutdown-order]")
{
    Host h;
    auto c = h.ctx();
    CHECK_FALSE(ensure_shutdown_order(c, h.paths(), kOrder));
    CHECK_FALSE(fs::exists(h.root + "/run/systemd"));
    CHECK(h.runner.calls().empty());
    remove_shutdown_order(c, h.paths(), "gfs2fs");  // harmless
}

TEST_CASE("shutdown order: written once, reloaded once, rewritten when changed, removed without a reload",
          "[shutdown-order]")
{
    Host h;
    fs::create_directories(h.root + "/run/systemd/system");
    auto c = h.ctx();
    mode_t old_umask = ::umask(077);  // the file is world-readable whatever the umask
    CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
    ::umask(old_umask);
    CHECK(h.text() == shutdown_order_text(kOrder, "fs:1"));
    struct stat st {};
    REQUIRE(::stat(h.file().c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
    REQUIRE(::stat(fs::path(h.file()).parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 022) == 0);
    CHECK(h.runner.call_lines() == std::vector<std::string>{"systemctl daemon-reload"});
    CHECK(shutdown_order_present(c, h.paths(), "gfs2fs"));

    // The same again: no write, no reload (start after start, monitor after monitor).
    CHECK_FALSE(ensure_shutdown_order(c, h.paths(), kOrder));
    CHECK(h.runner.calls().size() == 1);

    // Changed (an upgrade with another list): rewritten, reloaded; no temporary file left.
    ShutdownOrder more = kOrder;
    more.after.push_back("drbd.service");
    CHECK(ensure_shutdown_order(c, h.paths(), more));
    CHECK(h.text() == shutdown_order_text(more, "fs:1"));
    // systemd is asked first (the directory exists); this fake systemd knows no such ordering.
    CHECK(h.runner.call_lines() ==
          std::vector<std::string>{"systemctl daemon-reload",
                                   "systemctl show --property=After --value resource-agents-deps.target",
                                   "systemctl daemon-reload"});
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(fs::path(h.file()).parent_path())) {
        (void)e;
        ++files;
    }
    CHECK(files == 1);

    // Another instance has its own file; removing one leaves the other.
    h.env.set("OCF_RESOURCE_INSTANCE", "other");
    auto c2 = h.ctx();
    CHECK(ensure_shutdown_order(c2, h.paths(), kOrder));
    remove_shutdown_order(c2, h.paths(), "gfs2fs");
    CHECK_FALSE(shutdown_order_present(c2, h.paths(), "gfs2fs"));
    h.env.set("OCF_RESOURCE_INSTANCE", "fs:1");  // both contexts read the one environment
    CHECK(shutdown_order_present(c, h.paths(), "gfs2fs"));
    remove_shutdown_order(c, h.paths(), "gfs2fs");
    CHECK_FALSE(fs::exists(h.file()));
    CHECK(h.runner.calls().size() == 5);  // removal never reloads (stop runs during shutdown)
}

TEST_CASE("shutdown order: rewritten within one boot, no reload when systemd still orders after every unit",
          "[shutdown-order]")
{
    Host h;
    fs::create_directories(h.root + "/run/systemd/system");
    auto c = h.ctx();
    // The first write after a boot: the directory is new, systemd is not asked, it reloads.
    CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
    CHECK(h.runner.call_lines() == std::vector<std::string>{"systemctl daemon-reload"});
    remove_shutdown_order(c, h.paths(), "gfs2fs");  // stop: the ordering stays in systemd's memory

    SECTION("systemd still has both units (and others): the file is back, no reload")
    {
        h.runner.expect({"systemctl", "show"},
                        FakeRunner::exited(0, "systemd-journald.socket dlm.service basic.target remote-fs.target\n"));
        CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
        CHECK(h.text() == shutdown_order_text(kOrder, "fs:1"));
        CHECK(h.runner.call_lines() ==
              std::vector<std::string>{"systemctl daemon-reload",
                                       "systemctl show --property=After --value resource-agents-deps.target"});
    }
    SECTION("one unit missing (a reload since, or a new unit in the list): reload")
    {
        h.runner.expect({"systemctl", "show"}, FakeRunner::exited(0, "basic.target remote-fs.target\n"));
        CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
        CHECK(h.runner.count("systemctl") == 3);
        CHECK(h.runner.call_lines().back() == "systemctl daemon-reload");
    }
    SECTION("a unit name that only contains one of ours is not it")
    {
        h.runner.expect({"systemctl", "show"}, FakeRunner::exited(0, "xdlm.service remote-fs.target.wants\n"));
        CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
        CHECK(h.runner.call_lines().back() == "systemctl daemon-reload");
    }
    SECTION("a unit younger than the last reload (a guest's new scope): not asked, reloaded")
    {
        h.runner.expect({"systemctl", "show"}, FakeRunner::exited(0, "dlm.service remote-fs.target\n"));
        ShutdownOrder fresh = kOrder;
        fresh.new_unit = true;
        CHECK(ensure_shutdown_order(c, h.paths(), fresh));
        CHECK(h.runner.call_lines() == std::vector<std::string>{"systemctl daemon-reload", "systemctl daemon-reload"});
    }
    SECTION("systemctl show fails or hangs: reload, as without the question")
    {
        h.runner.expect({"systemctl", "show"}, FakeRunner::timed_out());
        CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
        CHECK(h.runner.call_lines().back() == "systemctl daemon-reload");
        CHECK(fs::exists(h.file()));
    }
}

TEST_CASE("shutdown order: a failing daemon-reload is a warning, the file stays", "[shutdown-order]")
{
    Host h;
    h.runner = FakeRunner();
    h.runner.expect({"systemctl"}, FakeRunner::timed_out());
    fs::create_directories(h.root + "/run/systemd/system");
    auto c = h.ctx();
    CHECK(ensure_shutdown_order(c, h.paths(), kOrder));
    CHECK(fs::exists(h.file()));
}

TEST_CASE("shutdown order: a planted symlink is not written through", "[shutdown-order]")
{
    Host h;
    fs::create_directories(h.root + "/run/systemd/system/resource-agents-deps.target.d");
    fs::create_directories(h.root + "/elsewhere");
    fs::create_symlink(h.root + "/elsewhere/target", h.file());
    auto c = h.ctx();
    CHECK(ensure_shutdown_order(c, h.paths(), kOrder));  // replaced by rename, not followed
    CHECK_FALSE(fs::exists(h.root + "/elsewhere/target"));
    CHECK_FALSE(fs::is_symlink(h.file()));
    CHECK(h.text() == shutdown_order_text(kOrder, "fs:1"));
}
