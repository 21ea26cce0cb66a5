package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/netman-go/netman/netman/server"

	"github.com/netman-go/netman/netman/iface"
)

type Handler struct{}

func (h *Handler) Open(connect iface.IConnect) {
	fmt.Println("onopen", connect.GetID())
}

func (h *Handler) Message(request iface.IRequest) {

	// 消息
	message := request.GetMessage()

	// 来自那个连接的
	connect := request.GetConnect()

	fmt.Printf("recv %s\n", message.String())

	// 普通文本格式
	fmt.Println(connect.Text([]byte(fmt.Sprintf("hi %s", message.Bytes()))))

	// 二进制格式
	//fmt.Println(connect.Binary([]byte("hi")))
}

func (h *Handler) Close(connect iface.IConnect) {
	fmt.Println("onclose", connect.GetID())
}

func main() {

	fmt.Println(os.Getpid())

	// 构造
	s := server.Websocket("0.0.0.0", 6565,
		new(Handler), // websocket事件回调处理
		server.WithNumEventLoop(runtime.NumCPU()*3), // 配置reactor线程的数量
		server.WithTCPKeepAlive(time.Second*30),     // 设置TCPKeepAlive
		server.WithLogOutput(os.Stdout),             // 框架运行日志保存的地方

		// 心跳检测机制，二者需要同时配置才会生效
		server.WithHeartbeatCheckInterval(time.Second*60), // 表示60秒检测一次
		server.WithHeartbeatIdleTime(time.Second*180),     // 表示一个连接如果180秒内未向服务器发送任何数据，此连接将被强制关闭
	)

	// 启动
	s.Start()
}
