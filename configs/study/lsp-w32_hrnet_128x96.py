# The LSP baseline ../lsp/hrnet_lsp_128x96.py at HRNet-W32's real widths:
# stage 1 of 4 bottlenecks of 64 middle channels, stages 2-4 of 32/64/128/256
# channels with MMPose's W32 module counts (1, 4, 3) and 4 blocks per branch;
# the head reads the 32-channel branch. Same data, recipe and budget.
_base_ = ['../lsp/hrnet_lsp_128x96.py']

model = dict(
    backbone=dict(
        extra=dict(
            stage1=dict(num_blocks=(4,), num_channels=(64,)),
            stage2=dict(num_channels=(32, 64)),
            stage3=dict(num_modules=4, num_channels=(32, 64, 128)),
            stage4=dict(num_modules=3, num_channels=(32, 64, 128, 256)),
        )
    ),
    head=dict(in_channels=32),
)
