"""Import and export of the register (product catalogue, offerings) as CSV with Dutch headers.

`parsing` reads and checks files without a database, `service` writes them in one transaction
through the offering service; `flask import ...` and `flask export ...` are in `beschikbaarheid.cli.register`.
"""
from beschikbaarheid.register_io.parsing import ImportConflict, ImportFailed, LineError  # noqa: F401
from beschikbaarheid.register_io.service import (  # noqa: F401
    ImportSummary,
    export_offerings,
    export_products,
    find_region,
    import_offerings,
    import_products,
    unknown_region_message,
)
