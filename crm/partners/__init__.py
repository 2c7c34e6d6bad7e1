"""The partner portal: an institution's own MoU/PKS documents and nothing else."""
