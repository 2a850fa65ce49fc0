module github.com/bertserve/bertserve

go 1.26
