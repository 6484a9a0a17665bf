"""Settings, read from the environment (prefix ATMP_KG_) or a .env file; never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_store_path() -> Path:
    """./var/store, next to where the command runs, so a checkout keeps its data with it."""
    return Path.cwd() / "var" / "store"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATMP_KG_", env_file=".env", extra="ignore")

    store: Path = Field(default_factory=default_store_path, description="Embedded store folder.")
    endpoint: str | None = Field(
        default=None, description="SPARQL 1.1 query endpoint URL; selects the remote store."
    )
    update_endpoint: str | None = Field(default=None, description="SPARQL Update URL.")
    gsp_endpoint: str | None = Field(default=None, description="Graph Store Protocol URL.")
    endpoint_user: str | None = None
    endpoint_password: SecretStr | None = None
    endpoint_auth: str = Field(default="basic", description="basic | digest | bearer")
    endpoint_token: SecretStr | None = None
    endpoint_timeout: float = 30.0
    data_dir: Path | None = Field(
        default=None,
        description="Curated data folder; default: the data/ shipped with the package.",
    )
    public_base: str = Field(
        default="https://w3id.org/atmp-kg/",
        description="Base under which IRIs are served; a local deployment sets its own URL.",
    )
    update_token: SecretStr | None = Field(
        default=None, description="Bearer token that enables SPARQL Update and the Graph Store API."
    )
    query_timeout: float = Field(default=30.0, description="Seconds before a query is stopped.")
    result_limit: int = Field(default=100_000, description="Most rows a query may return.")
    host: str = "127.0.0.1"
    port: int = 8000


DATA_MARKER = "sources.json"


def resolve_data_dir(settings: Settings) -> Path:
    """The curated data folder: the setting, else data/ of a source checkout, else the copy
    installed with the package (as the `atmp_kg_data` package)."""
    if settings.data_dir is not None:
        return settings.data_dir
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / DATA_MARKER).exists():
        return checkout
    import atmp_kg_data  # installed by `pip install .` from data/

    return Path(next(iter(atmp_kg_data.__path__)))
