"""API credentials in aws-cli's own file format (INI, one section per key).

  [default]
  aws_access_key_id = AKIA...
  aws_secret_access_key = ...

load() reads every section that has both fields (several keys allowed);
ensure() creates the file with one fresh key, readable by its owner only,
when it does not exist yet. The same file works as aws-cli's
AWS_SHARED_CREDENTIALS_FILE, and vireoctl reads it too (profile_key()).
Pure functions over files: thread-safe.
"""

import configparser
import os
import secrets
import stat
import string

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class CredentialsError(Exception):
  pass


def new_key():
  access = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
  secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
  return access, secret


def ensure(path):
  """Creates `path` (mode 0600, refusing to follow a symlink or reuse a
  file) with a [default] key when it is missing. Returns True if created."""
  if os.path.exists(path):
    return False
  access, secret = new_key()
  text = ("# vireo-manager API credentials (aws-cli format). Several\n"
          "# [sections] may hold keys; each one may call the API.\n"
          f"[default]\naws_access_key_id = {access}\n"
          f"aws_secret_access_key = {secret}\n")
  fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
               0o600)
  with os.fdopen(fd, "w") as f:
    f.write(text)
  return True


def _parse(path):
  parser = configparser.ConfigParser(interpolation=None)
  try:
    with open(path, encoding="utf-8") as f:
      parser.read_file(f)
  except OSError as e:
    raise CredentialsError(f"cannot read {path}: {e.strerror}") from None
  except (configparser.Error, UnicodeDecodeError) as e:
    raise CredentialsError(f"{path} is not an aws-cli credentials file: "
                           f"{str(e).splitlines()[0]}") from None
  return parser


def load(path):
  """Returns {access key id: secret} for every complete section."""
  parser = _parse(path)
  keys = {}
  for section in parser.sections():
    access = parser.get(section, "aws_access_key_id", fallback="").strip()
    secret = parser.get(section, "aws_secret_access_key",
                        fallback="").strip()
    if access and secret:
      if access in keys and keys[access] != secret:
        raise CredentialsError(f"{path}: access key {access} appears twice "
                               "with different secrets")
      keys[access] = secret
  if not keys:
    raise CredentialsError(f"{path} holds no section with both "
                           "aws_access_key_id and aws_secret_access_key")
  return keys


def readable_by_others(path):
  return bool(os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def profile_key(path, profile="default"):
  """(access key id, secret) of one section, for clients."""
  parser = _parse(path)
  if not parser.has_section(profile):
    raise CredentialsError(f"{path} has no profile [{profile}]")
  access = parser.get(profile, "aws_access_key_id", fallback="").strip()
  secret = parser.get(profile, "aws_secret_access_key", fallback="").strip()
  if not access or not secret:
    raise CredentialsError(f"profile [{profile}] of {path} lacks "
                           "aws_access_key_id or aws_secret_access_key")
  return access, secret
