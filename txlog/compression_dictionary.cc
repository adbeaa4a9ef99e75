#include "txlog/compression_dictionary.h"

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "txgraph/error.h"
#include "txlog/byte_codec.h"
#include "txlog/segment_format.h"
#include "txlog/tx_record.h"
#include "txlog/value_codec.h"

namespace txgraph::txlog {

namespace {

constexpr std::uint8_t kDictionaryKindZstd = 1;
constexpr int kContentCompressionLevel = 3;

// The words of a record a selector may ask for, as its bytes hold them: labels, types,
// property names and users as they are, a metadata entry as its encoded key and value.
std::set<std::string> words_of(const TxRecord& record) {
  std::set<std::string> words;
  auto add = [&](std::string_view word) {
    if (word.size() >= 2) words.emplace(word);
  };
  auto add_names = [&](const std::vector<std::string>& names) {
    for (const auto& n : names) add(n);
  };
  auto add_keys = [&](const Properties& properties) {
    for (const auto& entry : properties) add(entry.first);
  };
  auto add_key_values = [&](const std::vector<KeyValues>& keys) {
    for (const auto& k : keys) {
      add(k.label);
      add_keys(k.properties);
    }
  };
  add(record.header.user);
  add(record.header.authenticated_user);
  for (const auto& [key, value] : record.header.metadata) words.insert(metadata_word(key, value));
  if (!record.enrichment) return words;
  for (const auto& c : record.enrichment->changes) {
    add_names(c.labels);
    add(c.type);
    add_key_values(c.keys);
    for (const auto* ref : {&c.start, &c.end}) {
      add_names(ref->labels);
      add_key_values(ref->keys);
    }
    for (const auto* state : {&c.before, &c.after}) {
      if (!*state) continue;
      add_names((*state)->labels);
      add_keys((*state)->properties);
    }
  }
  return words;
}

[[noreturn]] void bad_dictionary(std::string_view why) {
  throw Error(ErrorCode::kCorruption, fmt::format("a log compression dictionary does not decode: {}", why));
}

}  // namespace

std::string metadata_word(std::string_view key, const Value& value) {
  std::string word;
  ByteWriter w(word);
  w.str(key);
  word += encoded_value(value);
  return word;
}

CompressionDictionary::CompressionDictionary(std::vector<std::string> vocabulary, std::string content)
    : vocabulary_(std::move(vocabulary)), content_(std::move(content)) {
  if (vocabulary_.size() > kMaxTagWords) vocabulary_.resize(kMaxTagWords);
}

CompressionDictionary::~CompressionDictionary() {
  ZSTD_freeCDict(static_cast<ZSTD_CDict*>(cdict_));
  ZSTD_freeDDict(static_cast<ZSTD_DDict*>(ddict_));
}

std::uint16_t CompressionDictionary::tags_of(std::string_view payload) const {
  std::uint16_t tags = 0;
  for (std::size_t i = 0; i < vocabulary_.size(); ++i)
    if (payload.find(vocabulary_[i]) != std::string_view::npos) tags |= static_cast<std::uint16_t>(1u << i);
  return tags;
}

const void* CompressionDictionary::compression_dictionary(int level) const {
  if (!cdict_ || cdict_level_ != level) {
    ZSTD_freeCDict(static_cast<ZSTD_CDict*>(cdict_));
    cdict_ = ZSTD_createCDict(content_.data(), content_.size(), level);
    if (!cdict_) throw Error(ErrorCode::kIo, "cannot prepare a log compression dictionary");
    cdict_level_ = level;
  }
  return cdict_;
}

const void* CompressionDictionary::decompression_dictionary() const {
  if (!ddict_) {
    ddict_ = ZSTD_createDDict(content_.data(), content_.size());
    if (!ddict_) throw Error(ErrorCode::kCorruption, "a log compression dictionary is not one zstd can use");
  }
  return ddict_;
}

std::string encode_dictionary_record(const CompressionDictionary& dictionary) {
  std::string out;
  ByteWriter w(out);
  w.u8(kDictionaryKindZstd);
  w.varint(dictionary.vocabulary().size());
  for (const auto& word : dictionary.vocabulary()) w.str(word);
  const std::string& content = dictionary.content();
  w.varint(content.size());
  std::size_t at = out.size();
  out.resize(at + ZSTD_compressBound(content.size()));
  std::size_t n = ZSTD_compress(out.data() + at, out.size() - at, content.data(), content.size(),
                                kContentCompressionLevel);
  if (ZSTD_isError(n)) throw Error(ErrorCode::kIo, fmt::format("compressing a log dictionary: {}", ZSTD_getErrorName(n)));
  out.resize(at + n);
  return out;
}

std::shared_ptr<const CompressionDictionary> decode_dictionary_record(std::string_view payload) {
  std::vector<std::string> vocabulary;
  std::string content;
  try {
    ByteReader r(payload, "compression dictionary");
    if (r.u8() != kDictionaryKindZstd) bad_dictionary("unknown dictionary kind");
    std::uint64_t words = r.varint();
    if (words > kMaxTagWords) bad_dictionary(fmt::format("{} vocabulary words, more than {}", words, kMaxTagWords));
    for (std::uint64_t i = 0; i < words; ++i) vocabulary.emplace_back(r.str());
    std::uint64_t length = r.varint();
    if (length > kMaxRecordSize) bad_dictionary("implausible content length");
    std::string_view body = payload.substr(r.position());
    content.resize(static_cast<std::size_t>(length));
    std::size_t n = ZSTD_decompress(content.data(), content.size(), body.data(), body.size());
    if (ZSTD_isError(n)) bad_dictionary(ZSTD_getErrorName(n));
    if (n != length) bad_dictionary(fmt::format("content of {} bytes, not the stated {}", n, length));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kCorruption) throw;
    throw Error(ErrorCode::kCorruption, e.what());
  }
  return std::make_shared<const CompressionDictionary>(std::move(vocabulary), std::move(content));
}

std::shared_ptr<const CompressionDictionary> read_dictionary_frame(const File& file, std::uint64_t offset) {
  auto fail = [&](std::string_view why) -> std::shared_ptr<const CompressionDictionary> {
    throw Error(ErrorCode::kCorruption,
                fmt::format("log segment {}: the compression dictionary at offset {} {}", file.path(), offset, why));
  };
  char head[kFrameHeaderSize];
  if (offset < kSegmentHeaderSize || file.read_at(offset, head, sizeof head) != sizeof head)
    return fail("is not there");
  FrameHeader fh = decode_frame_header(head);
  if (fh.type != static_cast<std::uint8_t>(RecordType::kCompressionDictionary) || fh.flags != 0)
    return fail(fmt::format("is not one (a frame of type {} is there)", fh.type));
  if (fh.length > kMaxRecordSize) return fail("has an implausible length");
  std::string payload(fh.length, '\0');
  if (file.read_at(offset + kFrameHeaderSize, payload.data(), payload.size()) != payload.size())
    return fail("is cut short");
  std::string_view view(payload);
  if (frame_checksum(head, std::span(&view, 1)) != fh.checksum) return fail("fails its checksum");
  try {
    return decode_dictionary_record(payload);
  } catch (const Error& e) {
    return fail(fmt::format("does not decode ({})", e.what()));
  }
}

void DictionaryTrainer::add(std::string_view record) {
  samples_.emplace_back(record);
  bytes_ += record.size();
  while (samples_.size() > 1 && bytes_ - samples_.front().size() >= kDictionarySampleBytes) {
    bytes_ -= samples_.front().size();
    samples_.pop_front();
  }
}

void DictionaryTrainer::drop_last() {
  if (samples_.empty()) return;
  bytes_ -= samples_.back().size();
  samples_.pop_back();
}

void DictionaryTrainer::clear() {
  samples_.clear();
  bytes_ = 0;
}

std::shared_ptr<const CompressionDictionary> DictionaryTrainer::train() const {
  std::string joined;
  std::vector<std::size_t> sizes;
  joined.reserve(bytes_);
  for (const auto& s : samples_) {
    joined += s;
    sizes.push_back(s.size());
  }
  std::string content(kDictionarySize, '\0');
  ZDICT_fastCover_params_t params{};
  params.k = 200;
  params.d = 8;
  params.f = 20;
  params.accel = 1;
  params.zParams.compressionLevel = kContentCompressionLevel;
  std::size_t n = ZDICT_trainFromBuffer_fastCover(content.data(), content.size(), joined.data(), sizes.data(),
                                                  static_cast<unsigned>(sizes.size()), params);
  if (ZDICT_isError(n)) {
    // Too few or too alike samples: the latest records themselves still give the groups
    // something to refer back to.
    content = joined.substr(joined.size() - std::min(joined.size(), kDictionarySize));
    // Content that begins as a trained dictionary does would be taken for one.
    if (content.size() >= 4 && static_cast<unsigned char>(content[0]) == 0x37 &&
        static_cast<unsigned char>(content[1]) == 0xa4 && static_cast<unsigned char>(content[2]) == 0x30 &&
        static_cast<unsigned char>(content[3]) == 0xec)
      content.erase(0, 1);
  } else {
    content.resize(n);
  }

  std::map<std::string, std::size_t> counts;
  std::size_t records = 0;
  for (const auto& s : samples_) {
    TxRecord record;
    try {
      record = decode_tx_record(s);
    } catch (const Error&) {
      continue;  // only records this writer encoded are sampled; nothing to learn otherwise
    }
    ++records;
    for (auto& word : words_of(record)) ++counts[word];
  }
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (auto& [word, count] : counts)
    if (2 * count <= records) ranked.emplace_back(count, word);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> vocabulary;
  for (auto& entry : ranked) {
    if (vocabulary.size() == kMaxTagWords) break;
    vocabulary.push_back(std::move(entry.second));
  }
  return std::make_shared<const CompressionDictionary>(std::move(vocabulary), std::move(content));
}

}  // namespace txgraph::txlog
