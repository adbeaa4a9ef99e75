// ChangeListener: a thread that waits for commits (woken by them, not polling), reads the
// selected changes and hands them to the application in batches.
#include <atomic>
#include <mutex>
#include <thread>

#include "txgraph/cdc.h"

namespace txgraph {

namespace {
// How long one wait lasts before the thread looks at the stop flag again, when no batch is
// pending. Commits wake it at once; this only bounds how long stop() waits.
constexpr std::chrono::milliseconds kIdleWait{200};
}  // namespace

struct ChangeListener::Impl {
  const ChangeStream& stream;
  ChangeListenerOptions options;
  Callback callback;

  mutable std::mutex mutex;
  std::atomic<bool> stop_requested{false};
  bool running = true;
  std::optional<Error> error;
  ChangeCounts totals;
  std::thread thread;

  Impl(const ChangeStream& s, ChangeListenerOptions o, Callback cb)
      : stream(s), options(std::move(o)), callback(std::move(cb)) {
    // Taken here, not on the thread: a commit right after the constructor returns is after it.
    if (options.from.empty()) options.from = stream.current();
  }

  void run() {
    try {
      loop();
    } catch (const Error& e) {
      std::lock_guard lock(mutex);
      error = e;
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      error = Error(ErrorCode::kIo, e.what());
    }
    std::lock_guard lock(mutex);
    running = false;
  }

  void loop() {
    std::string position = options.from;
    ChangeCounts counts;
    std::vector<ChangeEvent> batch;
    std::chrono::steady_clock::time_point batch_opened;
    auto deliver = [&](const std::string& at) {
      if (batch.empty()) return;
      callback(batch, counts, at);
      std::lock_guard lock(mutex);
      totals.creates += counts.creates;
      totals.updates += counts.updates;
      totals.deletes += counts.deletes;
      batch.clear();
      counts = {};
    };
    std::size_t max_batch = std::max<std::size_t>(options.max_batch, 1);
    for (;;) {
      auto room = static_cast<std::uint64_t>(max_batch - batch.size());
      QueryResult result;
      try {
        result = stream.query(
          position, options.selectors,
          [&](const ChangeEvent& e) {
            if (batch.empty()) batch_opened = std::chrono::steady_clock::now();
            batch.push_back(e);
            switch (e.operation) {
              case ChangeOperation::kCreate:
                ++counts.creates;
                break;
              case ChangeOperation::kUpdate:
                ++counts.updates;
                break;
              case ChangeOperation::kDelete:
                ++counts.deletes;
                break;
            }
            return true;
          },
          room);
      } catch (...) {
        // What was read before the failure is delivered before the listener stops; the last
        // change's own id is where to resume.
        deliver(batch.empty() ? position : batch.back().id);
        throw;
      }
      position = result.position;
      bool full = batch.size() >= max_batch;
      bool stopping = stop_requested.load();
      if (full || stopping || (!batch.empty() && std::chrono::steady_clock::now() - batch_opened >= options.max_delay)) {
        deliver(position);
        if (stopping) return;
        if (full) continue;  // more may be waiting in the log already
      }
      // Wait for the next commit, no longer than the open batch may still wait.
      auto wait = kIdleWait;
      if (!batch.empty()) {
        auto left = options.max_delay - std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - batch_opened);
        wait = std::max(std::chrono::milliseconds(0), std::min(wait, left));
      }
      if (wait.count() > 0) {
        try {
          stream.wait(position, wait);
        } catch (...) {
          deliver(position);
          throw;
        }
      }
    }
  }
};

ChangeListener::ChangeListener(const ChangeStream& stream, ChangeListenerOptions options, Callback callback)
    : impl_(std::make_unique<Impl>(stream, std::move(options), std::move(callback))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

ChangeListener::~ChangeListener() { stop(); }

void ChangeListener::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stop_requested = true;
  impl_->thread.join();
}

bool ChangeListener::running() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->running;
}

std::optional<Error> ChangeListener::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

ChangeCounts ChangeListener::totals() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->totals;
}

}  // namespace txgraph
