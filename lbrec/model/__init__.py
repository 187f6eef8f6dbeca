"""The model layer (torch): SASRec, its training loop, the model folder and the ONNX export.

- `sasrec`: the network (`SASRec`, `SASRecConfig`);
- `losses`: the next-item losses (full softmax, BCE, sampled softmax) and the choice between them;
- `device`: where training runs (CPU, CUDA with bf16, torchrun processes);
- `train`: the training loop with early stopping and resumable checkpoints (`checkpoint`);
- `folder`: the model folder's files, written atomically and verified when read;
- `export`: the ONNX graph that serving runs without torch;
- `latency`: the engine timed beside onnxruntime, PyTorch eager and the bare product.
Serving, the app, the catalog and the Letterboxd input never import this package (pyproject.toml's contracts).
"""
