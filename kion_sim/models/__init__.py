"""Which PyBaMM model, with which options, for a K-ion cell."""

from kion_sim.models.builder import MODEL_NAMES, build_model, model_options, parameter_values

__all__ = ["MODEL_NAMES", "build_model", "model_options", "parameter_values"]
