// How every verb but `init` opens a database: never creating one, so that a mistyped DIR is
// an error that names it instead of a new empty database.
#include <ostream>

#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

namespace {

std::unique_ptr<Database> open_with(const std::filesystem::path& dir, const Options& options) {
  try {
    return Database::open(dir, options);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kNotFound, fmt::format("no database in {} (create one with: txgraph init {})",
                                                  dir.string(), dir.string()));
  }
}

}  // namespace

std::unique_ptr<Database> open_existing(const std::filesystem::path& dir) {
  Options options;
  options.create_if_missing = false;
  return open_with(dir, options);
}

std::unique_ptr<Database> open_or_create_replica(const std::filesystem::path& dir, std::ostream& err) {
  try {
    return open_existing(dir);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
  }
  auto replica = Database::open(dir);
  err << fmt::format("txgraph: created the replica database {}\n", dir.string());
  return replica;
}

std::unique_ptr<Database> open_for_reading(const std::filesystem::path& dir, std::ostream& err) {
  // Said before the recovery, which may take a while and is the one time such a verb writes.
  if (Database::needs_recovery(dir))
    err << fmt::format("txgraph: note: the database in {} was not closed cleanly; recovering it before reading "
                       "(this writes to it)\n",
                       dir.string())
        << std::flush;
  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  return open_with(dir, options);
}

}  // namespace txgraph::cli
