"""Settings objects; every value can be overridden by an environment variable of the same name."""
from config.settings import BaseConfig, DevelopmentConfig, ProductionConfig, TestConfig, load_config

__all__ = ["BaseConfig", "DevelopmentConfig", "ProductionConfig", "TestConfig", "load_config"]
