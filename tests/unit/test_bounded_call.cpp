#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "catch.h"

#include "ocfkit/bounded_call.h"

using namespace std::chrono_literals;
using ocfkit::run_bounded;

TEST_CASE("a call that returns in time gives its value", "[bounded-call]")
{
    auto r = run_bounded(2000ms, [] { return std::string("running"); });
    REQUIRE(r.has_value());
    CHECK(*r == "running");
}

TEST_CASE("a void call that returns in time gives a value", "[bounded-call]")
{
    auto ran = std::make_shared<std::atomic<bool>>(false);
    auto r = run_bounded(2000ms, [ran] { ran->store(true); });
    CHECK(r.has_value());
    CHECK(ran->load());
}

TEST_CASE("a call that outlives its bound is abandoned, not waited for", "[bounded-call]")
{
    auto release = std::make_shared<std::atomic<bool>>(false);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_bounded(100ms, [release, finished] {
        while (!release->load()) std::this_thread::sleep_for(5ms);
        finished->store(true);
        return 1;
    });
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(r.has_value());
    CHECK(waited >= 100ms);
    CHECK(waited < 2000ms);
    // The abandoned call still owns what it captured and may finish later.
    release->store(true);
    for (int i = 0; i < 400 && !finished->load(); ++i) std::this_thread::sleep_for(5ms);
    CHECK(finished->load());
}

TEST_CASE("the call's exception reaches the caller", "[bounded-call]")
{
    CHECK_THROWS_WITH(run_bounded(2000ms, []() -> int { throw std::runtime_error("libvirtd said no"); }),
                      "libvirtd said no");
}
