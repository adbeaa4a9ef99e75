// tools/txgraph/interrupts.h — SIGINT and SIGTERM as a request to stop, for the verbs that
// follow a log until interrupted (`cdc query --follow`, `log dump --follow`).
#pragma once

namespace txgraph::cli {

// From here on SIGINT and SIGTERM only set the flag below, without SA_RESTART: a blocking
// wait (poll on a file watch) returns at once with EINTR, and the loop around it looks.
void stop_on_interrupt();
bool interrupted();

}  // namespace txgraph::cli
