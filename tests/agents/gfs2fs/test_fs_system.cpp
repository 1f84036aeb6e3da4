// gfs2fs's bounded system access: a read that never returns ends at the deadline.
#include <sys/stat.h>
#include <unistd.h>

#include "catch.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include "fs_system.h"

using namespace ocfkit;
using namespace ocfkit::gfs2fs;
using namespace std::chrono_literals;

TEST_CASE("the depth-10 read of a path that never answers ends at the deadline", "[gfs2fs-system]")
{
    // open(2) of a FIFO without a writer blocks like a read of a hung device.
    char dir[] = "/tmp/gfs2fs-system-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string fifo = std::string(dir) + "/hung";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto t0 = std::chrono::steady_clock::now();
    auto problem = read_device_direct(fifo, Deadline::after(300ms));
    auto took = std::chrono::steady_clock::now() - t0;
    ::unlink(fifo.c_str());
    ::rmdir(dir);
    REQUIRE(problem);
    CHECK_THAT(*problem, Catch::Contains("did not finish before the deadline"));
    CHECK(took < 3s);
}

TEST_CASE("the depth-10 read reports a missing device", "[gfs2fs-system]")
{
    auto problem = read_device_direct("/dev/ocfkit-no-such-device", Deadline::after(5s));
    REQUIRE(problem);
    CHECK_THAT(*problem, Catch::Contains("cannot open /dev/ocfkit-no-such-device"));
}
