"""Import and export of the register (product catalogue, offerings) as CSV with Dutch headers.

`parsing` reads and checks files without a database; `service` holds the summary, the region
lookup and the product catalogue, `offerings` the offerings, written in one transaction through
the offering service; `flask import ...` and `flask export ...` are in `beschikbaarheid.cli.register`.
"""
from beschikbaarheid.register_io.offerings import export_offerings, import_offerings  # noqa: F401
from beschikbaarheid.register_io.parsing import ImportConflict, ImportFailed, LineError  # noqa: F401
from beschikbaarheid.register_io.service import (  # noqa: F401
    ImportSummary,
    export_products,
    find_region,
    import_products,
    unknown_region_message,
)
