// siemhub: the hub's executable. Everything lives in the libraries; this only hands over.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return siemhub::cli::main(argc, argv); }
