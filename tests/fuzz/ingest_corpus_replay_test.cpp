// Replays an ingest fuzz corpus (bulk or hec) through its libFuzzer entry point, so GCC builds (no
// libFuzzer) still run every seed and every crash reproducer. The CMake target names the corpus
// (SIEMHUB_FUZZ_CORPUS_DIR), the target (SIEMHUB_FUZZ_NAME) and the least number of files expected.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

TEST_CASE("the " SIEMHUB_FUZZ_NAME " fuzz entry survives every file in the corpus") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SIEMHUB_FUZZ_CORPUS_DIR)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes(entry.file_size(), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    INFO(entry.path().filename().string());
    CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
    ++files;
  }
  CHECK(files >= SIEMHUB_FUZZ_MIN_FILES);
}
