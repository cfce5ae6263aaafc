// X12 benchmark: reading to segments and elements, and full 850 validation, over a generated
// ~50 MB file of 850 purchase orders.
//
//   bench_x12 --generate FILE [MB]   write the benchmark file (deterministic content)
//   bench_x12 --rss FILE [--validate] stream FILE from disk in bounded memory; print one JSON
//                                    line with bytes, seconds, MB/s and peak RSS
//   bench_x12 [benchmark flags]      Google Benchmark over X12_BENCH_FILE (or a 50 MB file
//                                    generated in memory when the variable is not set)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "edi/x12/document.hpp"
#include "edi/x12/stream.hpp"
#include "edi/x12/validator.hpp"

namespace crossdock::x12 {
namespace {

// Deterministic 850s in one interchange and one group (a retailer's nightly batch): heading,
// ship-to and bill-to, 4 to 23 lines with a description each, totals.
std::string Generate(size_t target_bytes) {
  std::string out;
  out.reserve(target_bytes + (1 << 16));
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto next = [&]() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  out +=
      "ISA*00*          *00*          *ZZ*RETAILER       *ZZ*CROSSDOCK      *240315*0930*U*"
      "00401*000000001*0*P*>~\n";
  out += "GS*PO*RETAILER*CROSSDOCK*20240315*0930*1*X*004010~\n";
  int set = 0;
  while (out.size() < target_bytes) {
    ++set;
    const std::string st = std::to_string(10000 + set);
    int segs = 0;
    auto seg = [&](const std::string& s) {
      out += s;
      out += "~\n";
      ++segs;
    };
    seg("ST*850*" + st);
    seg("BEG*00*SA*PO" + std::to_string(4500000000ull + static_cast<uint64_t>(set)) + "**20240315");
    seg("CUR*BY*USD");
    seg("REF*DP*" + std::to_string(10 + next() % 90));
    seg("REF*IA*VEND" + std::to_string(next() % 100000));
    seg("PER*BD*PAT BUYER*TE*5551234567");
    seg("FOB*CC");
    seg("ITD*01*3*2**30*20240415*60");
    seg("DTM*002*20240401");
    seg("DTM*010*20240325");
    seg("TD5*B*2*UPSN*M*UPS GROUND");
    seg("N1*ST*DISTRIBUTION CENTER " + std::to_string(next() % 40) + "*92*" +
        std::to_string(1000 + next() % 9000));
    seg("N3*4100 COMMERCE PARKWAY");
    seg("N4*COLUMBUS*OH*43228*US");
    seg("N1*BT*RETAILER ACCOUNTS PAYABLE*92*0001");
    seg("N3*PO BOX 1250");
    seg("N4*DAYTON*OH*45401*US");
    const int lines = 4 + static_cast<int>(next() % 20);
    for (int l = 1; l <= lines; ++l) {
      uint64_t upc = 10000000000ull + next() % 89999999999ull;
      seg("PO1*" + std::to_string(l) + "*" + std::to_string(1 + next() % 240) + "*EA*" +
          std::to_string(1 + next() % 90) + "." + std::to_string(10 + next() % 90) + "**UP*0" +
          std::to_string(upc) + "*VN*SKU-" + std::to_string(next() % 1000000));
      seg("PID*F****PRODUCT DESCRIPTION " + std::to_string(next() % 100000));
    }
    seg("CTT*" + std::to_string(lines));
    seg("SE*" + std::to_string(segs + 1) + "*" + st);
  }
  out += "GE*" + std::to_string(set) + "*1~\n";
  out += "IEA*1*000000001~\n";
  return out;
}

const std::string& Input() {
  static const std::string data = [] {
    const char* path = std::getenv("X12_BENCH_FILE");
    if (path != nullptr && *path) {
      std::ifstream in(path, std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    return Generate(50u << 20);
  }();
  return data;
}

class Counting : public StreamHandler {
 public:
  void OnSet(const Interchange&, const FunctionalGroup&, const TransactionSet&,
             const SetView& v) override {
    for (size_t i = 0; i < v.size(); ++i) elements += v.segment(i).size();
    segments += v.size();
  }
  uint64_t segments = 0, elements = 0;
};

class Validating : public StreamHandler {
 public:
  explicit Validating(bool tree) {
    ValidateOptions o;
    o.build_tree = tree;
    validator_ = std::make_unique<Validator>(SpecRegistry::Embedded(), o);
  }
  void OnSet(const Interchange& ic, const FunctionalGroup& g, const TransactionSet& s,
             const SetView& v) override {
    validator_->Validate(v, ic, g, s, &result_);
    errors += result_.error_count();
    ++sets;
  }
  uint64_t errors = 0, sets = 0;

 private:
  std::unique_ptr<Validator> validator_;
  SetValidation result_;
};

// Reading to segments and elements, whole file in memory (Document mode).
void BM_ReadDocument(benchmark::State& state) {
  const std::string& in = Input();
  size_t segments = 0;
  for (auto _ : state) {
    auto doc = ReadDocument(in);
    segments = doc->segment_count();
    benchmark::DoNotOptimize(segments);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["segments"] = static_cast<double>(segments);
}

// Reading to segments and elements, streaming in 1 MiB chunks (bounded memory).
void BM_StreamSegments(benchmark::State& state) {
  const std::string& in = Input();
  uint64_t elements = 0;
  for (auto _ : state) {
    Counting c;
    MemorySource src(in);
    auto stats = ReadStream(src, c);
    elements = c.elements;
    benchmark::DoNotOptimize(stats);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["elements"] = static_cast<double>(elements);
}

// Full 850 validation (loops, order, requirements, types, lengths, code lists, loop tree).
void BM_StreamValidate850(benchmark::State& state) {
  const std::string& in = Input();
  uint64_t errors = 0, sets = 0;
  for (auto _ : state) {
    Validating v(/*tree=*/true);
    MemorySource src(in);
    auto stats = ReadStream(src, v);
    errors = v.errors;
    sets = v.sets;
    benchmark::DoNotOptimize(stats);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["sets"] = static_cast<double>(sets);
  state.counters["errors"] = static_cast<double>(errors);
}

// Document mode: read, then validate every set (what `edi validate` does).
void BM_DocumentValidate850(benchmark::State& state) {
  const std::string& in = Input();
  for (auto _ : state) {
    auto doc = ReadDocument(in);
    auto v = ValidateDocument(*doc);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}

BENCHMARK(BM_ReadDocument)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_StreamSegments)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_StreamValidate850)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DocumentValidate850)->Unit(benchmark::kMillisecond)->MinTime(2.0);

int RssMode(const char* path, bool validate) {
  auto s0 = std::chrono::steady_clock::now();
  (void)SpecRegistry::Embedded();  // parsed once per process; not part of the throughput
  double spec_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
  struct rusage before {};
  getrusage(RUSAGE_SELF, &before);
  auto t0 = std::chrono::steady_clock::now();
  Counting counting;
  Validating validating(true);
  StreamHandler* h = validate ? static_cast<StreamHandler*>(&validating) : &counting;
  auto stats = ReadFileStream(path, *h);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!stats.ok()) {
    std::fprintf(stderr, "%s\n", stats.error().ToString().c_str());
    return 2;
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  // CPU time too: on a shared 2-core machine the wall clock also measures the neighbours.
  auto seconds = [](const struct rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  };
  double cpu = seconds(ru) - seconds(before);
  std::printf(
      "{\"mode\":\"%s\",\"bytes\":%llu,\"seconds\":%.4f,\"mb_per_s\":%.1f,"
      "\"cpu_seconds\":%.4f,\"cpu_mb_per_s\":%.1f,\"sets\":%llu,"
      "\"segments\":%llu,\"errors\":%llu,\"peak_buffer\":%zu,\"max_rss_kb\":%ld,"
      "\"spec_load_ms\":%.1f}\n",
      validate ? "stream+validate" : "stream", static_cast<unsigned long long>(stats->bytes), secs,
      static_cast<double>(stats->bytes) / 1e6 / secs, cpu,
      static_cast<double>(stats->bytes) / 1e6 / cpu, static_cast<unsigned long long>(stats->sets),
      static_cast<unsigned long long>(stats->segments),
      static_cast<unsigned long long>(validating.errors), stats->peak_buffer, ru.ru_maxrss,
      spec_ms);
  return 0;
}

}  // namespace
}  // namespace crossdock::x12

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--generate") == 0) {
    size_t mb = argc >= 4 ? static_cast<size_t>(std::atoi(argv[3])) : 50;
    std::string data = crossdock::x12::Generate(mb << 20);
    std::ofstream out(argv[2], std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::printf("wrote %zu bytes to %s\n", data.size(), argv[2]);
    return out ? 0 : 2;
  }
  if (argc >= 3 && std::strcmp(argv[1], "--rss") == 0) {
    bool validate = argc >= 4 && std::strcmp(argv[3], "--validate") == 0;
    return crossdock::x12::RssMode(argv[2], validate);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
