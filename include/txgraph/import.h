// txgraph/import.h — bulk import of CSV files straight into the store, bypassing the log.
//
// Caveats, up front:
// - Imported data is NOT in the log: change data capture never returns it, and a replica fed
//   by CDC never receives it. The log gets one import notice instead (counts, ids, files,
//   time), and DatabaseStatus::imports lists every import, so readers can tell that changes
//   happened they cannot see.
// - All or nothing: the import is one store transaction. Bad input is refused with the file,
//   line and column, and the database is left exactly as it was.
// - The import holds the writer for its whole run (other write transactions wait), and ends
//   with a checkpoint, so that it survives a crash or power cut once import_csv() returns.
// - Ids in the files (`:ID`, `:START_ID`, `:END_ID`) connect the rows of one import; they do
//   not refer to data already in the database. Imported entities get new element ids after
//   the existing ones.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace txgraph {

// Where an import stands, for a progress line.
struct ImportProgress {
  std::uint64_t rows = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t total_bytes = 0;  // of every file of the import
};

// Neo4j admin-import CSV. A header row names the fields:
//   nodes:          id:ID | id:ID(Space) | :ID(Space), :LABEL, name, age:int, score:double,
//                   active:boolean, tags:string[] ...
//   relationships:  :START_ID(Space), :END_ID(Space), :TYPE, properties as for nodes
// Types: int, long, short, byte (64-bit integers), float, double, boolean, string, char, date,
// localtime, time, localdatetime, datetime, duration, point (txgraph/temporal.h; a point cell
// as Neo4j writes one, "{latitude: 52.5, longitude: 13.4}"), each with [] for a list whose
// items are separated by `array_delimiter`; no type means string. datetime{timezone:Zone}
// and time{timezone:+01:00} give the zone of a cell that names none (else UTC),
// point{crs:WGS-84} the CRS of a cell that names none. A
// field named :IGNORE is skipped. Labels are separated by `array_delimiter` too. An empty
// unquoted field is no value; "" is the empty string. A named ID field (id:ID) is also stored
// as a property of that name (as `id_type` says); :ID alone is not.
struct ImportOptions {
  std::vector<std::filesystem::path> node_files;
  std::vector<std::filesystem::path> relationship_files;
  char delimiter = ',';
  char array_delimiter = ';';
  enum class IdType : std::uint8_t { kString, kInteger };
  IdType id_type = IdType::kString;
  // Called about every 64k rows and at the end; may be empty.
  std::function<void(const ImportProgress&)> on_progress;
};

// What the log's import notice and DatabaseStatus::imports say about one import.
struct ImportNotice {
  std::uint64_t import_number = 0;  // 1, 2, ... per database
  std::int64_t time_us = 0;         // when it was committed, microseconds since the epoch
  std::uint64_t after_tx = 0;       // the last transaction committed before it
  std::uint64_t nodes = 0;
  std::uint64_t relationships = 0;
  std::uint64_t first_node_id = 0;  // imported nodes have ids [first_node_id, first_node_id + nodes)
  std::uint64_t first_relationship_id = 0;
  std::vector<std::string> files;
};

}  // namespace txgraph
