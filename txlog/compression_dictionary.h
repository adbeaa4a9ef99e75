// Compression dictionaries and record tags (txlog/FORMAT.md, "Dictionaries and tags").
//
// A change reader with a selector looks for few records among many. In one zstd stream per
// segment it must still decompress every record, since each refers back to those before it:
// that was most of a selective query's time. So once the log has seen enough records with
// changes captured, the writer trains a zstd dictionary from them, writes it into the
// segment as a record of its own, and from then on restarts the stream every kGroupRecords
// records from that dictionary. The dictionary gives each short group what the long stream
// gave it (the names, labels and metadata the records repeat), so the log stays as small.
//
// With the dictionary goes a vocabulary of up to kMaxTagWords words seen in those records
// (labels, types, property names, users, metadata entries), and every captured transaction
// record carries in its frame header a 16-bit tag: bit i is set when the record's bytes
// contain word i. A reader whose selectors each need some of those words passes by a record
// whose tag lacks them without decompressing it, and a whole group without decompressing any.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "txgraph/value.h"
#include "txlog/file.h"

namespace txgraph::txlog {

// Records in a group: a restart from the dictionary comes at least this often.
constexpr std::size_t kGroupRecords = 16;
constexpr std::size_t kMaxTagWords = 16;
// The dictionary is trained from this many bytes of captured records, the latest ones.
constexpr std::size_t kDictionarySampleBytes = 256 * 1024;
constexpr std::size_t kDictionarySize = 16 * 1024;
// Segments smaller than this get no dictionary: it would take too large a share of them.
constexpr std::uint64_t kMinRotationSizeForDictionary = 1u << 20;

class CompressionDictionary {
 public:
  CompressionDictionary(std::vector<std::string> vocabulary, std::string content);
  ~CompressionDictionary();
  CompressionDictionary(const CompressionDictionary&) = delete;
  CompressionDictionary& operator=(const CompressionDictionary&) = delete;

  // Words whose presence the tags record, bit i for word i.
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }
  // A zstd dictionary: trained (with entropy tables), or raw content.
  const std::string& content() const { return content_; }

  // The record's tag: bit i set when `payload` contains vocabulary word i.
  std::uint16_t tags_of(std::string_view payload) const;

  // zstd's prepared forms, made on first use (the writer needs one, a reader the other).
  // Not thread-safe: each reader and writer has its own dictionaries.
  const void* compression_dictionary(int level) const;  // ZSTD_CDict
  const void* decompression_dictionary() const;         // ZSTD_DDict

 private:
  std::vector<std::string> vocabulary_;
  std::string content_;
  mutable void* cdict_ = nullptr;
  mutable int cdict_level_ = 0;
  mutable void* ddict_ = nullptr;
};

// A metadata entry as a vocabulary word: its key and value as the record encodes them.
std::string metadata_word(std::string_view key, const Value& value);

// The payload of a kCompressionDictionary record:
//   u8 kind = 1 (zstd)  names vocabulary  varint content_length  zstd_bytes (the content,
//   compressed on its own)
std::string encode_dictionary_record(const CompressionDictionary& dictionary);
// Throws Error(kCorruption).
std::shared_ptr<const CompressionDictionary> decode_dictionary_record(std::string_view payload);

// Reads and decodes the dictionary record whose frame starts at `offset` of `file`: checks
// its header, type and checksum. Throws Error(kCorruption) naming the file and offset.
std::shared_ptr<const CompressionDictionary> read_dictionary_frame(const File& file, std::uint64_t offset);

// Keeps captured records and makes a dictionary of them once there are enough.
class DictionaryTrainer {
 public:
  void add(std::string_view record);
  bool ready() const { return bytes_ >= kDictionarySampleBytes; }
  // Trains a zstd dictionary (falling back to the records' raw content if training fails)
  // and picks the vocabulary: among the words of the sampled records, those in at most half
  // of them (rarer words are what a selector can pass records by), the commonest first.
  std::shared_ptr<const CompressionDictionary> train() const;
  // Takes the last record added out again (it was cut off the log).
  void drop_last();
  void clear();

 private:
  std::deque<std::string> samples_;
  std::size_t bytes_ = 0;
};

}  // namespace txgraph::txlog
