// txgraph/txgraph.h — everything an embedding application needs.
#pragma once

#include "txgraph/cdc.h"
#include "txgraph/consumer.h"
#include "txgraph/database.h"
#include "txgraph/error.h"
#include "txgraph/import.h"
#include "txgraph/kafka.h"
#include "txgraph/options.h"
#include "txgraph/replication.h"
#include "txgraph/value.h"
