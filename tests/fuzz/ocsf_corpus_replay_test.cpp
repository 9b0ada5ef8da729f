// Replays the OCSF fuzz corpus through the libFuzzer entry point, so GCC builds (no libFuzzer) still
// run every seed and every crash reproducer added to tests/fuzz/corpus/ocsf/.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

TEST_CASE("the ocsf fuzz entry survives every file in the corpus") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SIEMHUB_OCSF_CORPUS_DIR)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    INFO(entry.path().filename().string());
    CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
    ++files;
  }
  CHECK(files >= 20);
}
