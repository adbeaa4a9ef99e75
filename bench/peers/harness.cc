// The workload rows and the two harnesses (writers, writer plus follower) that every system's
// measurement runs in, so that all systems are timed the same way.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "bench/peers/peers.h"

namespace txgraph::bench::peers {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string note(std::int64_t id) {
  std::string s(64, 'a');
  for (std::size_t k = 0; k < s.size(); ++k) s[k] = static_cast<char>('a' + (id * 31 + static_cast<std::int64_t>(k) * 7) % 26);
  return s;
}

std::string row_json(std::int64_t id, const std::string& name, const std::string& note_text) {
  return fmt::format("{{\"label\":\"Person\",\"id\":{},\"name\":\"{}\",\"note\":\"{}\"}}", id, name, note_text);
}

std::string row_key(std::int64_t id) { return fmt::format("n:{:012}", id); }

void write_import_csv(const fs::path& file, std::int64_t rows) {
  std::ofstream out(file);
  out << "id:ID,name,note,:LABEL\n";
  for (std::int64_t i = 0; i < rows; ++i) out << i << ",someone," << note(i) << ",Person\n";
  if (!out.flush()) throw std::runtime_error(fmt::format("cannot write {}", file.string()));
}

void for_each_csv_row(const fs::path& file,
                      const std::function<void(std::int64_t id, std::string_view name, std::string_view note)>& row) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(fmt::format("{} is empty", file.string()));
  while (std::getline(in, line)) {
    std::string_view text = line;
    std::size_t a = text.find(','), b = text.find(',', a + 1), c = text.find(',', b + 1);
    std::int64_t id = 0;
    if (c == std::string_view::npos || std::from_chars(text.data(), text.data() + a, id).ec != std::errc())
      throw std::runtime_error(fmt::format("{}: bad line {}", file.string(), line));
    row(id, text.substr(a + 1, b - a - 1), text.substr(b + 1, c - b - 1));
  }
}

WriterRun run_writers(const CommitPlan& plan, const std::function<void(int writer, std::int64_t id)>& commit) {
  std::atomic<std::int64_t> next_id{0};
  std::atomic<bool> go{false};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(plan.writers));
  std::vector<std::thread> threads;
  Clock::time_point start;
  for (int w = 0; w < plan.writers; ++w) {
    threads.emplace_back([&, w] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.max_seconds));
      try {
        while (Clock::now() < deadline) {
          std::int64_t id = next_id.fetch_add(1);
          if (id >= plan.max_transactions) break;
          commit(w, id);
        }
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
    });
  }
  start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  WriterRun run;
  // Until the last writer finished, so a commit in flight at the deadline counts with its time.
  run.seconds = seconds_since(start);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  // Every id taken below the count was committed (a writer past the deadline takes none).
  run.transactions = static_cast<std::uint64_t>(std::min(next_id.load(), plan.max_transactions));
  return run;
}

LatencyFigures measure_follow(
    const FollowPlan& plan, const std::function<void(std::int64_t id)>& commit,
    const std::function<void(const std::function<void(std::int64_t)>& seen, std::atomic<bool>& ready,
                             const std::atomic<bool>& stop)>& consume) {
  auto n = static_cast<std::size_t>(plan.samples);
  std::vector<std::atomic<std::int64_t>> returned(n), seen_at(n);
  std::atomic<std::size_t> seen_count{0};
  std::atomic<bool> ready{false}, stop{false};
  std::exception_ptr consumer_error;
  std::thread consumer([&] {
    try {
      consume(
          [&](std::int64_t id) {
            if (id < 0 || static_cast<std::size_t>(id) >= n) return;
            std::int64_t expected = 0;
            if (seen_at[static_cast<std::size_t>(id)].compare_exchange_strong(expected, now_ns())) ++seen_count;
          },
          ready, stop);
    } catch (...) {
      consumer_error = std::current_exception();
      ready = true;
    }
  });
  while (!ready.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::exception_ptr writer_error;
  try {
    for (std::size_t i = 0; i < n && !consumer_error; ++i) {
      commit(static_cast<std::int64_t>(i));
      returned[i] = now_ns();
      std::this_thread::sleep_for(plan.pace);  // paced: latency, not queueing
    }
  } catch (...) {
    writer_error = std::current_exception();
  }
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!writer_error && !consumer_error && seen_count.load() < n && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  consumer.join();
  if (writer_error) std::rethrow_exception(writer_error);
  if (consumer_error) std::rethrow_exception(consumer_error);
  if (seen_count.load() < n) throw std::runtime_error(fmt::format("the consumer saw {} of {} rows", seen_count.load(), n));
  LatencyFigures f;
  std::vector<double> us;
  for (std::size_t i = static_cast<std::size_t>(plan.warm_up); i < n; ++i) {
    double d = static_cast<double>(seen_at[i].load() - returned[i].load()) / 1000.0;
    // Negative when the consumer saw the row before commit() was back with the writer: the
    // change is visible from the moment it is durable, a little before the call returns.
    f.seen_before_return += d < 0;
    us.push_back(d);
  }
  std::sort(us.begin(), us.end());
  f.samples = static_cast<int>(us.size());
  f.p50_us = percentile(us, 0.50);
  f.p99_us = percentile(us, 0.99);
  f.max_us = us.empty() ? 0 : us.back();
  return f;
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace txgraph::bench::peers
