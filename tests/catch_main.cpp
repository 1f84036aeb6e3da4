// The one Catch2 main all test binaries share.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
