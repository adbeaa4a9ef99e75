#include "engine/settings.h"

#include <charconv>

#include <fmt/format.h>

#include "engine/database_impl.h"
#include "engine/graph_store.h"
#include "txgraph/error.h"
#include "txlog/byte_codec.h"
#include "txlog/retention_policy.h"

namespace txgraph {
namespace engine {

std::string encode_settings(const Settings& s) {
  std::string out;
  txlog::ByteWriter w(out);
  w.u8(3);  // settings encoding version
  w.u64(s.rotation_size);
  w.i64(s.checkpoint_interval_time.count());
  w.u64(s.checkpoint_interval_tx);
  w.u64(s.checkpoint_interval_volume);
  w.str(s.retention_policy);
  w.zigzag(s.log_compression_level);
  return out;
}

// The enrichment mode is stored apart (it is switched with its own log record).
Settings decode_settings(std::string_view bytes) {
  txlog::ByteReader r(bytes, "settings in the store");
  auto version = r.u8();
  if (version < 1 || version > 3) r.fail("unknown settings version");
  Settings s;
  s.rotation_size = r.u64();
  s.checkpoint_interval_time = std::chrono::milliseconds(r.i64());
  s.checkpoint_interval_tx = r.u64();
  if (version >= 2) {
    s.checkpoint_interval_volume = r.u64();
    s.retention_policy = std::string(r.str());
  }
  if (version >= 3) s.log_compression_level = static_cast<int>(r.zigzag());
  return s;
}

void validate_settings(const Settings& s) {
  if (s.rotation_size < 4096)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("rotation_size {} is too small: the smallest is 4K", s.rotation_size));
  if (s.checkpoint_interval_time.count() <= 0)
    throw Error(ErrorCode::kInvalidArgument, "checkpoint_interval_time must be positive");
  txlog::RetentionPolicy::parse(s.retention_policy);  // throws with the grammar
  if (s.log_compression_level < 0 || s.log_compression_level > 19)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("log_compression_level {} is out of range: 0 (off) to 19", s.log_compression_level));
}


}  // namespace engine

void Database::set_setting(std::string_view key, std::string_view value) {
  impl_->refuse_if_read_only(fmt::format("setting {}", key));
  Settings next;
  {
    std::lock_guard lock(impl_->settings_mutex);
    next = impl_->settings;
  }
  if (key == "enrichment") {
    set_enrichment(parse_enrichment_mode(value));
    return;
  }
  if (key == "rotation_size") {
    next.rotation_size = parse_size(value);
  } else if (key == "checkpoint_interval_time") {
    next.checkpoint_interval_time = parse_duration(value);
  } else if (key == "retention_policy" || key == "retention") {
    next.retention_policy = txlog::RetentionPolicy::parse(value).to_string();
  } else if (key == "log_compression_level") {
    int level = -1;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), level);
    if (ec != std::errc() || ptr != value.data() + value.size())
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("bad log_compression_level '{}': expected 0 (off) to 19", value));
    next.log_compression_level = level;
  } else if (key == "checkpoint_interval_volume") {
    next.checkpoint_interval_volume = parse_size(value);
  } else if (key == "checkpoint_interval_tx") {
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size())
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("bad checkpoint_interval_tx '{}': expected a whole number (0 turns it off)", value));
    next.checkpoint_interval_tx = n;
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("unknown setting '{}'; the settings are enrichment, retention_policy, rotation_size, "
                            "log_compression_level, checkpoint_interval_time, checkpoint_interval_tx and "
                            "checkpoint_interval_volume",
                            key));
  }
  engine::validate_settings(next);
  {
    detail::TxnState s(*impl_, true);
    engine::mdb_put_value(s.txn, impl_->env->tables().meta, engine::kMetaSettings, engine::encode_settings(next));
    s.commit_store(fmt::format("storing setting {}", key));
    {
      std::lock_guard lock(impl_->settings_mutex);
      impl_->settings = next;
    }
    // Still under the writer lock, as append is.
    impl_->log->set_rotation_size(next.rotation_size);
    impl_->log->set_compression_level(next.log_compression_level);
  }
  // Settings are not in the log: only a checkpoint (synced, pinned store) makes the change
  // survive a power cut, which would otherwise roll the store back to the last one.
  impl_->checkpoint();
}

}  // namespace txgraph
