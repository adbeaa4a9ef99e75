// A replay driver for the fuzz targets when libFuzzer is not there (gcc, the default build):
// runs every seed file of a folder, then a fixed number of deterministic mutations of them
// (bit flips, bytes that matter to the grammars, inserted, deleted and repeated ranges,
// splices of two seeds), each through LLVMFuzzerTestOneInput. A broken invariant traps, which
// ends the run with a signal, as libFuzzer would report it.
//
//   NAME_replay SEED_DIR [RUNS] [SEED]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string mutate(const std::vector<std::string>& seeds, std::mt19937_64& random) {
  static const std::string kSpecial = "\"{}[],:\\0123456789-+.eE \n\r\t;|'$nulltruefalse\x00\xff";
  auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(random() % n); };
  std::string s = seeds[pick(seeds.size())];
  int steps = 1 + static_cast<int>(random() % 4);
  for (int i = 0; i < steps; ++i) {
    switch (random() % 6) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (random() % 8));
        break;
      case 1:
        if (!s.empty()) s[pick(s.size())] = kSpecial[pick(kSpecial.size())];
        break;
      case 2:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pick(s.size() + 1)), kSpecial[pick(kSpecial.size())]);
        break;
      case 3:
        if (!s.empty()) {
          std::size_t at = pick(s.size());
          s.erase(at, 1 + pick(std::min<std::size_t>(8, s.size() - at)));
        }
        break;
      case 4:
        if (!s.empty()) {
          std::size_t at = pick(s.size());
          std::size_t len = 1 + pick(std::min<std::size_t>(16, s.size() - at));
          s.insert(at, s.substr(at, len));
        }
        break;
      case 5: {
        const std::string& other = seeds[pick(seeds.size())];
        s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SEED_DIR [RUNS] [SEED]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "%s: no seed files in %s\n", argv[0], argv[1]);
    return 2;
  }
  long runs = argc > 2 ? std::atol(argv[2]) : 2000;
  std::mt19937_64 random(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  for (long i = 0; i < runs; ++i) {
    std::string input = mutate(seeds, random);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%s: %zu seeds and %ld mutated inputs, no crash\n", argv[0], seeds.size(), runs);
  return 0;
}
