// Deadlines leave a margin before Pacemaker's timeout.
#include "catch.h"

#include "ocfkit/deadline.h"

using namespace ocfkit;
using namespace std::chrono;

TEST_CASE("the margin is the larger of 2 s and 10 %, at most half", "[deadline]")
{
    CHECK(safety_margin(seconds(20)) == seconds(2));
    CHECK(safety_margin(seconds(100)) == seconds(10));
    CHECK(safety_margin(seconds(3)) == milliseconds(1500));
}

TEST_CASE("Pacemaker's timeout wins over the advertised one", "[deadline]")
{
    Deadline d = Deadline::for_operation(milliseconds(20000), seconds(120));
    CHECK(d.remaining() <= milliseconds(18000));
    CHECK(d.remaining() > milliseconds(17000));
    Deadline fallback = Deadline::for_operation(std::nullopt, seconds(60));
    CHECK(fallback.remaining() > seconds(50));
    CHECK(fallback.remaining() <= seconds(54));
}

TEST_CASE("clamp and expiry", "[deadline]")
{
    Deadline d = Deadline::after(milliseconds(500));
    CHECK(d.clamp(seconds(30)) <= milliseconds(500));
    CHECK(d.clamp(milliseconds(10)) == milliseconds(10));
    CHECK_FALSE(d.expired());
    Deadline past = Deadline::after(milliseconds(-5));
    CHECK(past.expired());
    CHECK(past.remaining() == milliseconds(0));
}
