"""The request id travels with the Celery tasks a request (or a task) sends: in a message header
when published, back into the log context (core.middleware's request id) while the worker runs
the task. So the worker's lines for a delivery carry the id of the request that caused it.

Connected once from `CoreConfig.ready()`, in the web processes (publishing) and the workers
(running) alike."""

from celery.signals import before_task_publish, task_postrun, task_prerun

from core.middleware import bind_request_id, current_request_id, unbind_request_id

HEADER = "request_id"
_tokens: dict = {}


def _on_publish(headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id != "-":
        headers.setdefault(HEADER, request_id)


def _on_prerun(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    if request_id:
        _tokens[task_id] = bind_request_id(str(request_id))


def _on_postrun(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        unbind_request_id(token)


def connect() -> None:
    before_task_publish.connect(_on_publish, weak=False, dispatch_uid="core.request_id.publish")
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="core.request_id.prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="core.request_id.postrun")
