// The durable state of consumer groups: one small file per group in DIR/consumers/, beside
// the store and the log. The CDC layer keeps positions here (txgraph/consumer.h); the engine
// reads the retention holds from here before it prunes. Nothing here understands a change id
// or a selector: both are kept as the text the CDC layer gave.
//
// A group file is lines of `key value`, ending with a checksum line, written atomically
// (temp file, fdatasync, rename, directory fsync): after a crash or power cut the file is
// either the old state or the new one, never half of each. Every read-modify-write of a group
// file, by any process, happens under ConsumerLock (flock on DIR/consumers/.lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace txgraph::txlog {

struct ConsumerRecord {
  std::string name;
  std::string start;           // how the group was created or last reset: "earliest", "latest", ...
  std::string position;        // the committed change id: the group reads the changes after it
  std::uint64_t needs_tx = 0;  // the oldest transaction the group has still to read
  bool auto_commit = true;
  // Holds the log from being pruned while the group needs it, up to this many bytes of log
  // (the group is marked lost beyond). nullopt: no hold.
  std::optional<std::uint64_t> hold_bytes;
  std::string lost;            // why the group was lost (its changes pruned); empty: not lost
  std::string selectors_json;  // a JSON array of selector objects
  std::int64_t created_us = 0;
  std::int64_t committed_us = 0;  // when the position was last committed (or set)
};

// The folder of a database's group files, from the database folder.
std::string consumers_dir(const std::string& database_dir);

// A group name is 1 to 64 of [A-Za-z0-9_.-], not starting with '.'. Throws
// Error(kInvalidArgument) naming `name` and the rule otherwise.
void check_consumer_name(std::string_view name);

// Holds the exclusive lock on the group files of one database for its lifetime (blocking).
// Creates the folder when `create` is set; otherwise a missing folder is an empty set of
// groups and locking it holds nothing.
class ConsumerLock {
 public:
  ConsumerLock(const std::string& dir, bool create);
  ~ConsumerLock();
  ConsumerLock(const ConsumerLock&) = delete;
  ConsumerLock& operator=(const ConsumerLock&) = delete;

 private:
  int fd_ = -1;
};

// Every group, in name order. A missing folder is no groups. Throws kCorruption naming the
// file for a group file that does not parse or fails its checksum.
std::vector<ConsumerRecord> read_consumer_records(const std::string& dir);
// One group; nullopt when it does not exist.
std::optional<ConsumerRecord> read_consumer_record(const std::string& dir, std::string_view name);
// Creates or replaces the group's file, durably, through the file layer.
void write_consumer_record(const std::string& dir, const ConsumerRecord& record);
// Removes the group's file, durably. Returns false if there was none.
bool remove_consumer_record(const std::string& dir, std::string_view name);

// The text of a group file, and back (exposed for tests).
std::string encode_consumer_record(const ConsumerRecord& record);
// Throws kCorruption naming `what` (the file) for anything encode_consumer_record did not write.
ConsumerRecord decode_consumer_record(std::string_view text, const std::string& what);

}  // namespace txgraph::txlog
