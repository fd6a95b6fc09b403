"""One asyncio event loop on a background thread for all manager sockets.

The in-process Sentinel listener (a Manager built without main()) and the
Sentinel process's listener are many small, mostly idle connections; one
loop serves them all without a thread per connection. Other
threads hand work to the loop with run() (waits for the result) or post()
(fire and forget); everything that touches loop-owned objects must go through
one of these.
"""

import asyncio
import threading


class NetLoop:
  def __init__(self):
    self.loop = asyncio.new_event_loop()
    self._thread = threading.Thread(target=self._main, name="netloop",
                                    daemon=True)

  def _main(self):
    asyncio.set_event_loop(self.loop)
    self.loop.run_forever()

  def start(self):
    self._thread.start()

  def run(self, coro, timeout=10):
    """Runs a coroutine on the loop and returns its result."""
    return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

  def post(self, fn, *args):
    self.loop.call_soon_threadsafe(fn, *args)

  def stop(self):
    if self._thread.is_alive():
      self.loop.call_soon_threadsafe(self.loop.stop)
      self._thread.join(3)
