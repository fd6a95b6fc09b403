"""API errors shaped like ElastiCache faults.

An ApiError carries the ElastiCache error code, a human message and the HTTP
status. Raised anywhere below the API layer and turned into
{"Error": {"Code", "Message"}} by api.py. Immutable, so thread-safe.
"""


class ApiError(Exception):
  def __init__(self, code, message, status=400):
    super().__init__(message)
    self.code = code
    self.message = message
    # *NotFound faults use 404 as ElastiCache does; everything else is 400
    # unless the caller says otherwise (500 for our own failures).
    if status == 400 and "NotFound" in code:
      status = 404
    self.status = status

  def to_json(self):
    return {"Error": {"Code": self.code, "Message": self.message}}


def invalid(message):
  return ApiError("InvalidParameterValue", message)


def combination(message):
  return ApiError("InvalidParameterCombination", message)


def missing(name):
  return ApiError("MissingParameter",
                  f"The request must contain the parameter {name}.")


def group_not_found(group_id):
  return ApiError("ReplicationGroupNotFoundFault",
                  f"Replication group {group_id} not found.")


def group_state(group_id, status):
  return ApiError("InvalidReplicationGroupState",
                  f"Replication group {group_id} is not in available state "
                  f"(it is {status}).")


def internal(message):
  return ApiError("InternalFailure", message, status=500)
