# Wrapper for Python fragments that define `async def main()` and use the
# package's names without importing them
# (`<!-- sample: fragment of python-asyncio -->`): imports, the fragment,
# then asyncio.run(main()).
import asyncio

import securesocket
from securesocket import *  # noqa: F401,F403

# SAMPLE

asyncio.run(main())
