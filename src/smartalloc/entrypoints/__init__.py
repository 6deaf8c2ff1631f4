"""entrypoints: the programs (command line, service, workers), which translate and call handlers.

Imported before any of them loads the policy's models, so it switches off what every program
would otherwise pay at its start for nothing: Pydantic's search for plugins, which at the
first model built reads the entry points of every installed package (``importlib.metadata``,
~7,000 files in the environment: 20–30 ms, issue P). SmartAlloc installs no Pydantic plugin;
a process given ``PYDANTIC_DISABLE_PLUGINS`` keeps its own setting.
"""

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
