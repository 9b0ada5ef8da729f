// Ingest journal throughput: how many ~500-byte events per second become durable (segment files,
// one pwrite + fdatasync per group commit, checkpoints every 250 ms), with 1000-event batches from
// several concurrent producers — the shape of HEC requests. Prints events/s and commit latency;
// not a test.
//
//   siemhub_journal_bench [producers=4] [batches_per_producer=200] [events_per_batch=1000]
#include <algorithm>
#include <atomic>
#include <future>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "core/memory.hpp"
#include "core/clock.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/journal.hpp"
#include "store/data_dir.hpp"

using namespace siemhub;

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();  // as the hub does (core/memory.hpp)
  const int producers = argc > 1 ? std::atoi(argv[1]) : 4;
  const int batches = argc > 2 ? std::atoi(argv[2]) : 200;
  const int per_batch = argc > 3 ? std::atoi(argv[3]) : 1000;
  const std::string event =
      R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":1,"time":1700000000000,)"
      R"("status_id":2,"message":"Logon failed: bad password","user":{"name":"alice","uid":"alice@corp.example"},)"
      R"("src_endpoint":{"ip":"203.0.113.66","port":51514},"dst_endpoint":{"hostname":"srv-db-01","ip":"10.1.2.3"},)"
      R"("auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,)"
      R"("metadata":{"version":"1.8.0","product":{"name":"bench","vendor_name":"siemhub"},"uid":"bench-0000000001"}})";
  testing::TempDir dir;
  store::DataDir data(dir.path() / "data");
  pipeline::JournalOptions jo;
  jo.min_free_bytes = 0;
  pipeline::Journal journal(data.file("hub.db"), core::SystemClock::instance(), jo);

  std::vector<pipeline::Event> batch(static_cast<size_t>(per_batch));
  for (int i = 0; i < per_batch; ++i) batch[i] = {event, "bench-" + std::to_string(i)};

  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies_ms;
  std::atomic<int> done{0};
  // As in the hub: a checkpoint every 250 ms drops what the (here: instant) consumers passed, so
  // the run includes removing old segments.
  std::jthread checkpoints([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      journal.checkpoint({{"sink", journal.last_seq()}}, std::nullopt, journal.last_seq());
    }
  });
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      for (int b = 0; b < batches; ++b) {
        // Like an HEC client: send a batch, wait for the durable answer, send the next.
        std::promise<void> durable;
        auto f = durable.get_future();
        const auto t0 = std::chrono::steady_clock::now();
        journal.append("bench", batch, std::nullopt, [&](bool ok, uint64_t, const std::string& e) {
          if (!ok) std::fprintf(stderr, "append failed: %s\n", e.c_str());
          durable.set_value();
        });
        f.wait();
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard lock(mu);
        latencies_ms.push_back(ms);
      }
      ++done;
      cv.notify_all();
    });
  }
  for (auto& t : threads) t.join();
  checkpoints.request_stop();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double total = double(producers) * batches * per_batch;
  std::printf("journal: %d producers x %d batches x %d events (%zu bytes each)\n", producers, batches, per_batch,
              event.size());
  std::printf("durable events/s: %.0f   MB/s: %.1f   commits: %llu (%.1f batches per commit)\n", total / secs,
              total * double(event.size()) / secs / 1e6, static_cast<unsigned long long>(journal.commits()),
              double(producers) * batches / double(std::max<uint64_t>(1, journal.commits())));
  std::printf("append-to-durable latency ms: p50 %.2f  p99 %.2f  max %.2f\n", latencies_ms[latencies_ms.size() / 2],
              latencies_ms[latencies_ms.size() * 99 / 100], latencies_ms.back());
  return 0;
}
