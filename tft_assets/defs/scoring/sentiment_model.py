"""``sentiment_model``: the TF-IDF + logistic-regression stance classifier, trained from a
labelled file and registered in the model store together with its gate: the ensemble weight
measured on the WSB validation set shipped with the package (a model worse than the lexicon on
WSB text weighs 0). ``scored_posts`` uses the latest registered version, at that weight, when
``TFT_SENTIMENT_MODEL=registered``. Not partitioned: each materialisation is one training run
(``tft-trader sentiment train`` materialises it)."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from tft_assets.defs.resources import ModelStoreResource

SENTIMENT_MODEL_ASSET = "sentiment_model"


class SentimentTrainingConfig(dg.Config):
    labelled_path: str = Field(description="labelled CSV (text and label columns)")
    text_column: str = Field(default="text", description="column holding the text")
    label_column: str = Field(default="label", description="column holding the label")
    distant: bool = Field(
        default=False,
        description="ignore labels: derive them from stance markers, masked in training",
    )
    seed: int = Field(default=7, description="shuffle, hold-out and model seed")
    model_name: str = Field(default="tft-sentiment", description="registered model name")


@dg.asset(
    name=SENTIMENT_MODEL_ASSET,
    group_name="posts",
    owners=["team:nlp"],
    kinds={"mlflow", "scikitlearn"},
    description="Stance classifier trained on a labelled file, with hold-out metrics and its "
    "ensemble weight measured on WSB validation text, registered in the MLflow model store.",
)
def sentiment_model(
    context: dg.AssetExecutionContext,
    config: SentimentTrainingConfig,
    model_store: ModelStoreResource,
) -> dg.MaterializeResult:
    from tft_assets.posts.sentiment_training import (
        read_labelled,
        register_sentiment_model,
        train_sentiment_model,
        training_frame,
    )

    columns = [config.text_column] + ([] if config.distant else [config.label_column])
    df = read_labelled(config.labelled_path, columns)
    data = training_frame(df, config.text_column, config.label_column, config.distant, config.seed)
    training = train_sentiment_model(
        data, seed=config.seed, distant=config.distant, source_name=Path(config.labelled_path).name
    )
    registered = register_sentiment_model(model_store.store(), training, config.model_name)
    gate = training.gate
    context.log.info(
        f"registered {registered.registered_name} v{registered.registered_version}; "
        f"ensemble weight {gate.model_weight:.1f} ({gate.reason})"
    )
    return dg.MaterializeResult(
        metadata={
            "model": registered.registered_name,
            "version": registered.registered_version,
            "rows": training.n_rows,
            "label_counts": dg.MetadataValue.json(training.label_counts),
            **training.metrics,
            "gate": dg.MetadataValue.json(gate.summary()),
            "tracking_uri": model_store.tracking_uri,
        }
    )
