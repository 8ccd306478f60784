"""Loaded by moto_server's Python at start (test/e2e/moto.ts puts this directory on PYTHONPATH).

moto 5.x decides per request whether DescribeServices, DescribeClusters and DescribeTasks answer
with tags (`include: ["TAGS"]`) by writing into a dict shared by the whole response class, then
serializes the answer. moto_server is threaded: a DescribeServices without TAGS that lands between
those two steps strips the tags from a concurrent DescribeServices that asked for them. The
controller then sees its own service without the owner tag, refuses it as not owned and waits for
the next commit. AWS never does that, so the tests must not either: each request gets its own copy.
"""

try:
    from moto.core import responses as _responses
except ImportError:  # not moto_server's interpreter: nothing to patch
    _responses = None

if _responses is not None:

    def _set_transformer(self, response_key_path, transformer):
        # Copy on write onto this request's instance; the class's table stays as moto defines it.
        table = dict(self.RESPONSE_KEY_PATH_TO_TRANSFORMER)
        table[response_key_path] = transformer
        self.RESPONSE_KEY_PATH_TO_TRANSFORMER = table

    def _include_in_response(self, response_key_path):
        _set_transformer(self, response_key_path, lambda x: x)

    def _exclude_from_response(self, response_key_path):
        _set_transformer(self, response_key_path, _responses.never_return)

    _responses.BaseResponse._include_in_response = _include_in_response
    _responses.BaseResponse._exclude_from_response = _exclude_from_response
