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

# AWS stamps each task definition revision with `registeredAt`, and UpdateService with another
# task definition starts a new PRIMARY deployment (a new `createdAt`). moto 5.2.1 does neither, so
# without these two patches a deploy interrupted between RegisterTaskDefinition and UpdateService
# (a replica killed, a takeover) cannot be told from a hand move on moto, though it can on AWS
# (src/resources/service/interrupted-deploy.ts). A test that must do without them (the in-flight
# record in the lease table, docs/ha.md) starts moto_server with ECS_GITOPS_MOTO_TIMESTAMPS=off.
import os as _os

try:
    from moto.ecs import models as _ecs_models
except ImportError:
    _ecs_models = None
if _os.environ.get("ECS_GITOPS_MOTO_TIMESTAMPS") == "off":
    _ecs_models = None

if _ecs_models is not None:
    _td_init = _ecs_models.TaskDefinition.__init__

    def _td_init_stamped(self, *args, **kwargs):
        _td_init(self, *args, **kwargs)
        self.registered_at = _ecs_models.utcnow()

    _ecs_models.TaskDefinition.__init__ = _td_init_stamped

    _update_service = _ecs_models.EC2ContainerServiceBackend.update_service

    def _update_service_new_deployment(self, service_properties):
        cluster = service_properties.get("cluster", "default")
        name = str(service_properties.get("service", "")).split("/")[-1]
        try:
            before = self.describe_services(cluster, [name])[0][0].task_definition
        except Exception:  # an unknown service or cluster: update_service raises moto's own error
            before = None
        service = _update_service(self, service_properties)
        if before is not None and service.task_definition != before and service.deployments:
            now = _ecs_models.utcnow()
            service.deployments[0]["createdAt"] = now
            service.deployments[0]["updatedAt"] = now
        return service

    _ecs_models.EC2ContainerServiceBackend.update_service = _update_service_new_deployment
