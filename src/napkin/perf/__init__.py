"""The performance model: operations with FLOPs and bytes, a roofline that times them."""
