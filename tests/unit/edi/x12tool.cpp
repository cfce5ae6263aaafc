// A tiny stand-alone front end to the `edi` subcommands, for manual checks while developing:
// x12tool parse|validate|ack ... (same as `crossdock edi ...`).
#include <iostream>
#include <vector>

#include "app/edi_cli.hpp"

int main(int argc, char** argv) {
  std::vector<char*> args;
  static char edi[] = "edi";
  args.push_back(edi);
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  return crossdock::EdiMain(static_cast<int>(args.size()), args.data(), std::cout, std::cerr);
}
