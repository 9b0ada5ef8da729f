// The schema of hub.db: the migrations list for the main database of the data directory.
#pragma once

#include "store/migrations.hpp"

namespace siemhub::store {

/// hub.db's migrations, oldest first. Append-only: see README.md.
const Migrations& hub_migrations();

}  // namespace siemhub::store
