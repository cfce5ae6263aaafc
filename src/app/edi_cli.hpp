// `crossdock edi ...`: parse, validate and acknowledge X12 files from the command line.
//
// EdiMain takes argv with argv[0] == "edi" followed by the subcommand and its arguments, writes
// results to `out` and messages to `err`, and returns the exit status: 0 readable and no errors,
// 1 envelope or syntax errors found (or, for ack, something rejected), 2 unreadable input or a
// usage error. It never throws and touches nothing but the files it is given.
#pragma once

#include <ostream>

namespace crossdock {

int EdiMain(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace crossdock
