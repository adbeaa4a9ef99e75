// How every verb but `init` opens a database: never creating one, so that a mistyped DIR is
// an error that names it instead of a new empty database.
#include <fmt/format.h>

#include "tools/txgraph/commands.h"

namespace txgraph::cli {

std::unique_ptr<Database> open_existing(const std::filesystem::path& dir) {
  Options options;
  options.create_if_missing = false;
  try {
    return Database::open(dir, options);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kNotFound, fmt::format("no database in {} (create one with: txgraph init {})",
                                                  dir.string(), dir.string()));
  }
}

}  // namespace txgraph::cli
