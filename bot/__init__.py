"""ofin: whose job is it, the cloud provider's or yours?

The answer engine's matrix products are small (a question is tens of tokens): one BLAS thread per
question is as fast as two on a quiet machine, and several times faster and steadier when
another process or another request is busy on the other core (a spinning BLAS thread waits for a
core it cannot get). The limit is set here, before numpy is first imported, unless the
environment already sets it.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
