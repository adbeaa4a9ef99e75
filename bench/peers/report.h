// The peers benchmark's outputs, all made from its one JSON file (peers.json): the markdown
// summary, one CSV per table, and the gnuplot plots. peers_bench --summarize DIR remakes them
// from DIR/peers.json without measuring again.
#pragma once

#include <filesystem>

namespace txgraph::bench::peers {

// Reads out_dir/peers.json and writes peers.md, peers-commits.csv, peers-follow.csv,
// peers-import.csv and, when gnuplot is installed, peers.gnuplot and the peers-*.png plots.
// Throws when the JSON is missing or lacks a figure the summary needs.
void write_report(const std::filesystem::path& out_dir);

}  // namespace txgraph::bench::peers
