// The Catch2 main of the test kit's own tests (kept in its own TU: compiled once).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
