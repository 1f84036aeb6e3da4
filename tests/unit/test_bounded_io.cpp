// Bounded file access in a forked child, against real files, symlinks and FIFOs.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "catch.h"

#include "hung_mount.h"
#include "ocfkit/bounded_io.h"

using namespace std::chrono;
using namespace std::chrono_literals;
using ocfkit::ChildIoResult;
using ocfkit::Deadline;
using Outcome = ChildIoResult::Outcome;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "ocfkit-bio-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& text) const
    {
        std::ofstream(path / name, std::ios::binary) << text;
        return path / name;
    }
};

// This process's children in /proc (any state), and how many of them are zombies.
struct Children {
    int all = 0;
    int zombies = 0;
};
Children children_of_this_process()
{
    Children c;
    const std::string me = std::to_string(::getpid());
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), {});
        auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size()) continue;
        std::string rest = stat.substr(close + 2);  // "S PPID ..."
        char state = rest[0];
        std::string ppid = rest.substr(2, rest.find(' ', 2) - 2);
        if (ppid != me) continue;
        ++c.all;
        if (state == 'Z') ++c.zombies;
    }
    return c;
}

}  // namespace

TEST_CASE("a regular file is read whole", "[bounded-io]")
{
    TempDir dir;
    auto file = dir.write("conf", "line one\nline two\n");
    auto r = ocfkit::read_file_in_child(file, Deadline::after(5s), 4096);
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.error == 0);
    CHECK(r.data == "line one\nline two\n");
    CHECK(children_of_this_process().all == 0);
}

TEST_CASE("a missing file fails with ENOENT", "[bounded-io]")
{
    TempDir dir;
    auto r = ocfkit::read_file_in_child(dir.path / "nothing", Deadline::after(5s), 4096);
    CHECK(r.outcome == Outcome::Failed);
    CHECK(r.error == ENOENT);
    CHECK(r.data.empty());
}

TEST_CASE("at most cap bytes come back, also beyond a pipe's buffer", "[bounded-io]")
{
    TempDir dir;
    auto small = dir.write("small", std::string(100, 'a'));
    auto r = ocfkit::read_file_in_child(small, Deadline::after(5s), 10);
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.data == std::string(10, 'a'));

    std::string big;
    for (int i = 0; i < 100000; ++i) big += std::to_string(i) + "\n";  // ~590 kB, no repeats
    auto large = dir.write("large", big);
    r = ocfkit::read_file_in_child(large, Deadline::after(5s), 300000);
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.data == big.substr(0, 300000));
    r = ocfkit::read_file_in_child(large, Deadline::after(5s), 1 << 20);
    CHECK(r.data == big);
}

TEST_CASE("O_NOFOLLOW refuses a symlink with ELOOP", "[bounded-io]")
{
    TempDir dir;
    auto target = dir.write("target", "secret");
    fs::create_symlink(target, dir.path / "link");
    auto r = ocfkit::read_file_in_child(dir.path / "link", Deadline::after(5s), 4096, O_NOFOLLOW);
    CHECK(r.outcome == Outcome::Failed);
    CHECK(r.error == ELOOP);
    CHECK(r.data.empty());
    // Without it the link is followed.
    r = ocfkit::read_file_in_child(dir.path / "link", Deadline::after(5s), 4096);
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.data == "secret");
}

TEST_CASE("a FIFO without a writer times out at the deadline and leaves no child", "[bounded-io]")
{
    TempDir dir;
    auto fifo = dir.path / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto started = steady_clock::now();
    auto r = ocfkit::read_file_in_child(fifo, Deadline::after(400ms), 4096);
    const auto took = steady_clock::now() - started;
    CHECK(r.outcome == Outcome::TimedOut);
    CHECK(took >= 400ms);
    CHECK(took < 400ms + 250ms);
    auto c = children_of_this_process();
    CHECK(c.zombies == 0);
    CHECK(c.all == 0);
}

TEST_CASE("an expired deadline times out without forking", "[bounded-io]")
{
    int ran = 0;
    auto r = ocfkit::run_in_child(Deadline::after(0ms), 16, [&ran](int) {
        ran = 1;
        return 0;
    });
    CHECK(r.outcome == Outcome::TimedOut);
    CHECK(ran == 0);
}

TEST_CASE("run_in_child: the work's errno and data reach the parent", "[bounded-io]")
{
    auto r = ocfkit::run_in_child(Deadline::after(5s), 64, [](int out) {
        static const char text[] = "partial";
        if (::write(out, text, sizeof text - 1) < 0) return errno;
        return EACCES;
    });
    CHECK(r.outcome == Outcome::Failed);
    CHECK(r.error == EACCES);
    CHECK(r.data == "partial");

    // Data that ends like a report is still only data.
    r = ocfkit::run_in_child(Deadline::after(5s), 64, [](int out) {
        const int fake[2] = {0, 0x6f63666b};
        if (::write(out, fake, sizeof fake) < 0) return errno;
        return 0;
    });
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.data.size() == 8);
}

TEST_CASE("run_in_child: a child that dies without a report is a failure, not a success", "[bounded-io]")
{
    auto r = ocfkit::run_in_child(Deadline::after(5s), 64, [](int out) {
        if (::write(out, "x", 1) < 0) return errno;
        ::kill(::getpid(), SIGKILL);
        return 0;
    });
    CHECK(r.outcome == Outcome::Failed);
    CHECK(r.error == EIO);
    CHECK(children_of_this_process().all == 0);
}

TEST_CASE("run_in_child: the child's stdin, stdout and stderr are /dev/null", "[bounded-io]")
{
    auto r = ocfkit::run_in_child(Deadline::after(5s), 256, [](int out) {
        static const char* const names[] = {"/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"};
        for (const char* name : names) {
            char target[64];
            ssize_t n = ::readlink(name, target, sizeof target);
            if (n < 0) return errno;
            if (::write(out, target, static_cast<std::size_t>(n)) < 0 || ::write(out, "\n", 1) < 0) return errno;
        }
        return 0;
    });
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.data == "/dev/null\n/dev/null\n/dev/null\n");
}

TEST_CASE("run_in_child: work that never returns is killed at the deadline", "[bounded-io]")
{
    const auto started = steady_clock::now();
    auto r = ocfkit::run_in_child(Deadline::after(300ms), 64, [](int out) {
        if (::write(out, "begun", 5) < 0) return errno;
        for (;;) ::pause();
    });
    CHECK(r.outcome == Outcome::TimedOut);
    CHECK(steady_clock::now() - started < 300ms + 250ms);
    CHECK(children_of_this_process().all == 0);
}

TEST_CASE("probe_path_in_child: stat and access of real paths", "[bounded-io]")
{
    TempDir dir;
    std::ofstream(dir.path / "f") << "x";
    auto st = ocfkit::probe_path_in_child(dir.path.string(), -1, Deadline::after(5s));
    REQUIRE(st.ok());
    CHECK(S_ISDIR(st.mode));
    st = ocfkit::probe_path_in_child((dir.path / "f").string(), -1, Deadline::after(5s));
    REQUIRE(st.ok());
    CHECK(S_ISREG(st.mode));
    auto missing = ocfkit::probe_path_in_child((dir.path / "nope").string(), R_OK, Deadline::after(5s));
    CHECK(missing.outcome == Outcome::Failed);
    CHECK(missing.error == ENOENT);
    CHECK(ocfkit::probe_path_in_child((dir.path / "f").string(), R_OK, Deadline::after(5s)).ok());
}

TEST_CASE("probe_path_in_child: a path on a mount nobody serves times out at the deadline", "[bounded-io]")
{
    if (::geteuid() != 0) {
        WARN("not root: no FUSE mount, hang case not run");
        return;
    }
    ocfkit::test::HungMount hung;
    REQUIRE(hung.ok());
    for (int mode : {-1, R_OK}) {
        const auto started = steady_clock::now();
        auto r = ocfkit::probe_path_in_child(hung.path("disk.img"), mode, Deadline::after(500ms));
        const auto took = steady_clock::now() - started;
        CHECK(r.timed_out());
        CHECK(took >= 500ms);
        CHECK(took < 3s);
    }
}
