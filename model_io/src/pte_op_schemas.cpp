// Argument names of common ExecuTorch kernels, so scalar arguments show as "alpha" or "scale"
// instead of "arg2". Names follow the operators' schemas (PyTorch native_functions.yaml and the
// quantized_decomposed / dim_order_ops libraries); they list the arguments before the out
// tensors, in call order. Operators not listed keep positional names.
#include <algorithm>
#include <array>
#include <string_view>

#include "pte_internal.h"

namespace edgelens::pte {

namespace {

struct OpArgs {
  std::string_view op;    // "namespace::name.overload"
  std::string_view args;  // comma-separated names
};

// Sorted by op for binary search.
constexpr auto kSchemas = std::to_array<OpArgs>({
    {"aten::_log_softmax.out", "self,dim,half_to_float"},
    {"aten::_native_batch_norm_legit_no_training.out",
     "input,weight,bias,running_mean,running_var,momentum,eps"},
    {"aten::_softmax.out", "self,dim,half_to_float"},
    {"aten::_to_copy.out", "self,non_blocking,memory_format"},
    {"aten::add.Scalar_out", "self,other,alpha"},
    {"aten::add.out", "self,other,alpha"},
    {"aten::addmm.out", "self,mat1,mat2,beta,alpha"},
    {"aten::arange.start_out", "start,end,step"},
    {"aten::avg_pool2d.out",
     "self,kernel_size,stride,padding,ceil_mode,count_include_pad,divisor_override"},
    {"aten::bmm.out", "self,mat2"},
    {"aten::cat.out", "tensors,dim"},
    {"aten::clamp.out", "self,min,max"},
    {"aten::clone.out", "self,memory_format"},
    {"aten::constant_pad_nd.out", "self,pad,value"},
    {"aten::convolution.out",
     "input,weight,bias,stride,padding,dilation,transposed,output_padding,groups"},
    {"aten::div.out", "self,other"},
    {"aten::div.out_mode", "self,other,rounding_mode"},
    {"aten::embedding.out", "weight,indices,padding_idx,scale_grad_by_freq,sparse"},
    {"aten::expand_copy.out", "self,size,implicit"},
    {"aten::full.out", "size,fill_value"},
    {"aten::gelu.out", "self,approximate"},
    {"aten::hardtanh.out", "self,min_val,max_val"},
    {"aten::leaky_relu.out", "self,negative_slope"},
    {"aten::max_pool2d_with_indices.out", "self,kernel_size,stride,padding,dilation,ceil_mode"},
    {"aten::mean.out", "self,dim,keepdim,dtype"},
    {"aten::mm.out", "self,mat2"},
    {"aten::mul.Scalar_out", "self,other"},
    {"aten::mul.out", "self,other"},
    {"aten::native_layer_norm.out", "input,normalized_shape,weight,bias,eps"},
    {"aten::permute_copy.out", "self,dims"},
    {"aten::select_copy.int_out", "self,dim,index"},
    {"aten::slice_copy.Tensor_out", "self,dim,start,end,step"},
    {"aten::split_copy.Tensor_out", "self,split_size,dim"},
    {"aten::split_with_sizes_copy.out", "self,split_sizes,dim"},
    {"aten::squeeze_copy.dims_out", "self,dim"},
    {"aten::sub.out", "self,other,alpha"},
    {"aten::sum.IntList_out", "self,dim,keepdim,dtype"},
    {"aten::unsqueeze_copy.out", "self,dim"},
    {"aten::upsample_bilinear2d.vec_out", "input,output_size,align_corners,scale_factors"},
    {"aten::upsample_nearest2d.vec_out", "input,output_size,scale_factors"},
    {"aten::view_copy.out", "self,size"},
    {"aten::where.self_out", "condition,self,other"},
    {"cortex_m::dequantize_per_tensor.out", "input,scale,zero_point,quant_min,quant_max,dtype"},
    {"cortex_m::quantize_per_tensor.out", "input,scale,zero_point,quant_min,quant_max,dtype"},
    {"dim_order_ops::_clone_dim_order.out", "self,non_blocking,dim_order"},
    {"dim_order_ops::_to_dim_order_copy.out", "self,non_blocking,dim_order"},
    {"quantized_decomposed::dequantize_per_channel.out",
     "input,scales,zero_points,axis,quant_min,quant_max,dtype,out_dtype"},
    {"quantized_decomposed::dequantize_per_tensor.out",
     "input,scale,zero_point,quant_min,quant_max,dtype,out_dtype"},
    {"quantized_decomposed::quantize_per_channel.out",
     "input,scales,zero_points,axis,quant_min,quant_max,dtype"},
    {"quantized_decomposed::quantize_per_tensor.out",
     "input,scale,zero_point,quant_min,quant_max,dtype"},
});

constexpr bool sorted_by_op() {
  for (std::size_t i = 1; i < kSchemas.size(); ++i)
    if (!(kSchemas[i - 1].op < kSchemas[i].op)) return false;
  return true;
}
static_assert(sorted_by_op(), "kSchemas must stay sorted for the binary search");

}  // namespace

std::string_view known_arg_name(std::string_view op, std::size_t position) {
  const auto it =
      std::lower_bound(kSchemas.begin(), kSchemas.end(), op,
                       [](const OpArgs& s, std::string_view key) { return s.op < key; });
  if (it == kSchemas.end() || it->op != op) return {};
  std::string_view rest = it->args;
  for (std::size_t i = 0;; ++i) {
    const auto comma = rest.find(',');
    if (i == position) return rest.substr(0, comma);
    if (comma == std::string_view::npos) return {};
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace edgelens::pte
